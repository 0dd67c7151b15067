/**
 * 64-bit DCT perceptual hash: the signs of the 8×8 lowest frequencies (less DC) of a 32×32 grey image against their
 * median. Resizing, mild compression and small colour shifts keep it within a few bits; different pictures differ by ~32.
 */
const N = 32;
const COS: Float64Array = (() => {
  const t = new Float64Array(N * N);
  for (let u = 0; u < N; u++) for (let x = 0; x < N; x++) t[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return t;
})();

/** `grey32` must be exactly 32×32 luma values. Returns 16 hex characters. */
export function perceptualHash(grey32: Uint8Array): string {
  if (grey32.length !== N * N) throw new Error(`perceptualHash needs a 32×32 grey image, got ${grey32.length} values.`);
  // Separable DCT, keeping only the 8 lowest frequencies on each axis.
  const rows = new Float64Array(N * 8);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += grey32[y * N + x]! * COS[u * N + x]!;
      rows[y * 8 + u] = s;
    }
  }
  const coeffs: number[] = [];
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * 8 + u]! * COS[v * N + y]!;
      coeffs.push(s);
    }
  }
  const ac = coeffs.slice(1).sort((a, b) => a - b);
  const median = (ac[31]! + ac[32]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0;
    for (let bit = 0; bit < 4; bit++) v = (v << 1) | (coeffs[nibble * 4 + bit]! > median ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}

const POPCOUNT4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Number of differing bits between two hashes from perceptualHash. */
export function hashDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i++) d += POPCOUNT4[parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16)]!;
  return d;
}

/** Mean absolute grey difference (0–255) of two 8×8 miniatures, stored as hex or already decoded. */
export function tinyDifference(a: string | Uint8Array, b: string | Uint8Array): number {
  const x = typeof a === 'string' ? Buffer.from(a, 'hex') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'hex') : b;
  const n = Math.min(x.length, y.length);
  if (n === 0) return Infinity;
  let d = 0;
  for (let i = 0; i < n; i++) d += Math.abs(x[i]! - y[i]!);
  return d / n;
}
