// FP8 E4M3FN (the ONNX Float8E4M3FN type: 4 exponent bits, bias 7, 3 mantissa bits, no infinities, one NaN
// pattern per sign, largest finite ±448): encoding with round-to-nearest-even and saturation, and decoding.

export const FLOAT8_E4M3_MAX = 448;

/** The e4m3fn bit pattern nearest to `value` (ties to even); beyond ±448 saturates to ±448, NaN → 0x7f. */
export function float8e4m3Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7f;
  const sign = value < 0 || Object.is(value, -0) ? 0x80 : 0;
  const a = Math.abs(value);
  if (a >= FLOAT8_E4M3_MAX) return sign | 0x7e;
  // Subnormals are multiples of 2^-9; the smallest normal is 2^-6.
  if (a < 2 ** -6) {
    const m = roundEven(a / 2 ** -9);
    return sign | m; // m = 8 rolls over into the smallest normal's bits (exponent 1, mantissa 0)
  }
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp -= 1;
  if (2 ** (exp + 1) <= a) exp += 1;
  let mant = roundEven((a / 2 ** exp - 1) * 8);
  if (mant === 8) {
    mant = 0;
    exp += 1;
  }
  return sign | ((exp + 7) << 3) | mant;
}

/** The value of an e4m3fn bit pattern. */
export function float8e4m3Value(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exp = (bits >> 3) & 0xf;
  const mant = bits & 7;
  if (exp === 0xf && mant === 7) return NaN;
  if (exp === 0) return sign * mant * 2 ** -9;
  return sign * (1 + mant / 8) * 2 ** (exp - 7);
}

function roundEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
