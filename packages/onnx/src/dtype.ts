// Element types a graph tensor can have, with their ONNX TensorProto codes and byte sizes.

import { float8e4m3Bits } from './float8';

export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool'
  /** FP8 (ONNX Float8E4M3FN): quantized frozen weights only, read through DequantizeLinear. */
  | 'float8e4m3fn';

// TensorProto.DataType values from the ONNX specification.
export const ONNX_DTYPE_CODE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16, float8e4m3fn: 17,
};

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1, float8e4m3fn: 1,
};

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Encodes numbers as little-endian bytes of `dtype` (float16/bfloat16 are rounded to nearest even). */
export function encodeValues(dtype: DType, values: ArrayLike<number | bigint>): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case 'float32': return bytesOf(new Float32Array(values as ArrayLike<number>));
    case 'float64': return bytesOf(new Float64Array(values as ArrayLike<number>));
    case 'int64': return bytesOf(BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)));
    case 'int32': return bytesOf(new Int32Array(values as ArrayLike<number>));
    case 'int8': return bytesOf(new Int8Array(values as ArrayLike<number>));
    case 'uint8': return bytesOf(new Uint8Array(values as ArrayLike<number>));
    case 'bool': return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
    case 'float8e4m3fn': return Uint8Array.from(values as ArrayLike<number>, (v) => float8e4m3Bits(Number(v)));
    case 'float16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = float16Bits(Number(values[i]));
      return bytesOf(out);
    }
    case 'bfloat16': {
      const f = new Float32Array(values as ArrayLike<number>);
      const bits = new Uint32Array(f.buffer);
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = (bits[i] + 0x7fff + ((bits[i] >>> 16) & 1)) >>> 16;
      return bytesOf(out);
    }
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function float16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >>> (1 - exp);
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  const rounded = ((exp << 10) | (mant >>> 13)) + ((mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) === 0x1000 && (mant >>> 13) & 1) ? 1 : 0);
  return sign | rounded;
}
