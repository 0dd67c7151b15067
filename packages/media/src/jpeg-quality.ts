// How hard a JPEG was compressed, read from its quantisation tables (the DQT segments before the pixel data), the
// way image tools report a JPEG's "quality": no pixels decoded, microseconds per file. The luminance table is
// compared with the standard table of the JPEG specification (Annex K), which encoders scale by quality.

/** ITU-T T.81 Annex K.1 luminance table, in natural (row-major) order. */
const STANDARD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** Natural-order index of each zigzag position: DQT segments list their 64 values in zigzag order. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** The first quantisation table with id 0 (luminance), 64 values in zigzag order; null when the file has none. */
export function luminanceTable(bytes: Uint8Array): number[] | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) { p++; continue; } // fill byte
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan: no table before the pixels
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (length < 2 || p + 2 + length > bytes.length) return null;
    if (marker === 0xdb) {
      // One DQT segment may hold several tables: Pq (precision) and Tq (id) in one byte, then 64 values.
      let q = p + 4;
      const end = p + 2 + length;
      while (q < end) {
        const precision = bytes[q]! >> 4;
        const id = bytes[q]! & 0x0f;
        const size = precision ? 128 : 64;
        if (q + 1 + size > end) return null;
        if (id === 0) {
          return Array.from({ length: 64 }, (_, i) => (precision ? (bytes[q + 1 + 2 * i]! << 8) | bytes[q + 2 + 2 * i]! : bytes[q + 1 + i]!));
        }
        q += 1 + size;
      }
    }
    p += 2 + length;
  }
  return null;
}

/**
 * The quality (1–100) an encoder scaling the standard table would have used: libjpeg scales by 5000/q below 50 and
 * by 200 − 2q above, so the mean scale of the file's table inverts to q. Entries clamped at the ends (1, or 255 in
 * 8-bit tables) say nothing about the scale and are left out. Null when the file has no luminance table.
 */
export function estimateJpegQuality(bytes: Uint8Array): number | null {
  const table = luminanceTable(bytes);
  if (!table) return null;
  const ratios: number[] = [];
  table.forEach((q, z) => {
    if (q > 1 && q < 255) ratios.push((100 * q) / STANDARD_LUMINANCE[ZIGZAG[z]!]!);
  });
  // Every entry clamped: 1s mean the finest quantisation (quality ≈ 100), 255s the coarsest.
  if (ratios.length === 0) return table[0]! <= 1 ? 100 : 1;
  const scale = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
  return Math.round(Math.min(100, Math.max(1, quality)));
}
