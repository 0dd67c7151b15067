// Weight-only quantization of the frozen transformer, per output channel (one float32 scale per row): int8
// (symmetric, round to nearest) and fp8 e4m3fn (the row's largest magnitude mapped to 448). LoRA weights and the
// optimizer state never pass through here; they stay float32.
import { FLOAT8_E4M3_MAX, float8e4m3Bits, float8e4m3Value } from '@lora-studio/onnx';

/** How the frozen base model is held during training: as stored (bf16 for FLUX.2 checkpoints), fp8 or int8. */
export type BasePrecision = 'bf16' | 'fp8' | 'int8';
export const BASE_PRECISIONS: readonly BasePrecision[] = ['bf16', 'fp8', 'int8'];
export type QuantizedFormat = Exclude<BasePrecision, 'bf16'>;

export interface QuantizedRows {
  /** int8 values or e4m3fn bit patterns, row-major. */
  values: Uint8Array;
  /** One scale per row: value ≈ stored · scale. */
  scale: Float32Array;
}

const LARGEST: Record<QuantizedFormat, number> = { int8: 127, fp8: FLOAT8_E4M3_MAX };

// e4m3fn bit pattern → value, for decoding without recomputing powers per element.
const FP8_VALUES = Float32Array.from({ length: 256 }, (_, b) => float8e4m3Value(b));

export function quantizeRows(format: QuantizedFormat, data: Float32Array, rows: number): QuantizedRows {
  const cols = data.length / rows;
  if (!Number.isInteger(cols)) throw new Error(`Cannot split ${data.length} values into ${rows} rows.`);
  const values = new Uint8Array(data.length);
  const asInt8 = new Int8Array(values.buffer);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * cols, (r + 1) * cols);
    let largest = 0;
    for (let i = 0; i < cols; i++) largest = Math.max(largest, Math.abs(row[i]!));
    // An all-zero row still needs a usable (non-zero) scale; its values are all 0 anyway.
    const s = largest > 0 ? Math.fround(largest / LARGEST[format]) : 1;
    scale[r] = s;
    const at = r * cols;
    if (format === 'int8') {
      for (let i = 0; i < cols; i++) asInt8[at + i] = Math.max(-127, Math.min(127, Math.round(row[i]! / s)));
    } else {
      for (let i = 0; i < cols; i++) values[at + i] = float8e4m3Bits(row[i]! / s);
    }
  }
  return { values, scale };
}

/** The float32 values a quantized tensor stands for (what DequantizeLinear computes). */
export function dequantizeRows(format: QuantizedFormat, q: QuantizedRows): Float32Array {
  const rows = q.scale.length;
  const cols = q.values.length / rows;
  const out = new Float32Array(q.values.length);
  const asInt8 = new Int8Array(q.values.buffer, q.values.byteOffset, q.values.length);
  for (let r = 0; r < rows; r++) {
    const s = q.scale[r]!;
    for (let i = r * cols; i < (r + 1) * cols; i++) out[i] = (format === 'int8' ? asInt8[i]! : FP8_VALUES[q.values[i]!]!) * s;
  }
  return out;
}

/**
 * The largest error quantization may make on a value v of a row with scale s: half a step for int8 (s/2); for
 * fp8, half a unit in the last place of its 3 mantissa bits (|v|/16), or half the subnormal step near zero (s·2⁻¹⁰).
 */
export function quantizationBound(format: QuantizedFormat, v: number, s: number): number {
  return format === 'int8' ? s / 2 : Math.max(Math.abs(v) / 16, s * 2 ** -10);
}
