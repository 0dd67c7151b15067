// safetensors dtype names, their byte sizes, and conversions to and from float32.
// Browser-safe: no Node APIs here.

export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1,
  U64: 8, U32: 4, U16: 2, U8: 1,
  BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_BYTES, value);
}

export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return SAFETENSORS_DTYPE_BYTES[dtype];
}

// Copy into a fresh buffer so typed-array views are aligned whatever the source offset was.
/**
 * The bytes in an ArrayBuffer of their own (aligned for any view). Not `bytes.slice()`: on a Node Buffer that is a view
 * into the shared pool, whose `.buffer` holds other data before and after.
 */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

export function bf16ToF32(bytes: Uint8Array): Float32Array {
  const src = new Uint16Array(aligned(bytes));
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

// Round to nearest even, keeping NaN a NaN (a quiet bit is forced so truncation cannot produce Inf).
export function f32ToBf16(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0) {
      out[i] = (b >>> 16) | 0x0040;
      continue;
    }
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return new Uint8Array(out.buffer);
}

export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function f16ToF32(bytes: Uint8Array): Float32Array {
  const src = new Uint16Array(aligned(bytes));
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f16BitsToNumber(src[i]!);
  return out;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

export function numberToF16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function f32ToF16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToF16Bits(values[i]!);
  return new Uint8Array(out.buffer);
}

/** Decode raw little-endian tensor bytes of a floating dtype to float32. */
export function toFloat32(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  switch (dtype) {
    case 'F32': return new Float32Array(aligned(bytes));
    case 'F16': return f16ToF32(bytes);
    case 'BF16': return bf16ToF32(bytes);
    case 'F64': return Float32Array.from(new Float64Array(aligned(bytes)));
    default:
      throw new Error(`Cannot read a ${dtype} tensor as float32: only F64, F32, F16 and BF16 tensors hold real numbers.`);
  }
}

/** Decode raw little-endian tensor bytes of a floating dtype to float64 (for gradient checks). */
export function toFloat64(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  if (dtype === 'F64') return new Float64Array(aligned(bytes));
  return Float64Array.from(toFloat32(dtype, bytes));
}

/** Encode float values as raw bytes of the given floating dtype. */
export function fromFloat32(dtype: 'F32' | 'F16' | 'BF16' | 'F64', values: Float32Array | Float64Array): Uint8Array {
  switch (dtype) {
    case 'F64': return new Uint8Array(Float64Array.from(values).buffer);
    case 'F32': return new Uint8Array(Float32Array.from(values).buffer);
    case 'F16': return f32ToF16(Float32Array.from(values));
    case 'BF16': return f32ToBf16(Float32Array.from(values));
  }
}

/** Decode any numeric dtype (floats, integers, BOOL) to float64; 64-bit integers beyond 2^53 lose precision. */
export function toNumbers(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  const buffer = aligned(bytes);
  switch (dtype) {
    case 'I64': return Float64Array.from(new BigInt64Array(buffer), Number);
    case 'U64': return Float64Array.from(new BigUint64Array(buffer), Number);
    case 'I32': return Float64Array.from(new Int32Array(buffer));
    case 'U32': return Float64Array.from(new Uint32Array(buffer));
    case 'I16': return Float64Array.from(new Int16Array(buffer));
    case 'U16': return Float64Array.from(new Uint16Array(buffer));
    case 'I8': return Float64Array.from(new Int8Array(buffer));
    case 'U8':
    case 'BOOL': return Float64Array.from(new Uint8Array(buffer));
    case 'F8_E4M3':
    case 'F8_E5M2': throw new Error(`Cannot decode ${dtype} tensors; convert them to F16, BF16 or F32 first.`);
    default: return toFloat64(dtype, bytes);
  }
}
