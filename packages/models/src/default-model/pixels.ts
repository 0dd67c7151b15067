// Small exact image operations in plain TypeScript (no native resampler), so that the pretraining corpus and the
// sample datasets come out byte-identical on every machine and sharp version: sharp only decodes and rasterises.

/** 8-bit RGBA, row-major, straight (not premultiplied) alpha. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 8-bit RGB, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

/** overlap[d][s] = how much of source pixel s falls inside destination pixel d, in destination units. */
function areaWeights(srcLength: number, dstLength: number): Float64Array[] {
  const scale = srcLength / dstLength;
  const rows: Float64Array[] = [];
  for (let d = 0; d < dstLength; d++) {
    const row = new Float64Array(srcLength);
    const start = d * scale;
    const end = start + scale;
    for (let s = Math.floor(start); s < Math.min(srcLength, Math.ceil(end)); s++) {
      row[s] = (Math.min(end, s + 1) - Math.max(start, s)) / scale;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Downscale by area averaging (each destination pixel is the mean of the source area it covers), in premultiplied
 * alpha so that transparent edges do not darken. Upscaling is not needed here and is refused.
 */
export function resizeArea(src: RgbaImage, width: number, height: number): RgbaImage {
  if (width > src.width || height > src.height) {
    throw new Error(`resizeArea only shrinks images (asked ${src.width}×${src.height} → ${width}×${height}).`);
  }
  const wx = areaWeights(src.width, width);
  const wy = areaWeights(src.height, height);
  // Premultiplied float copy of the source.
  const pre = new Float64Array(src.width * src.height * 4);
  for (let i = 0; i < src.width * src.height; i++) {
    const a = src.data[i * 4 + 3]! / 255;
    pre[i * 4] = src.data[i * 4]! * a;
    pre[i * 4 + 1] = src.data[i * 4 + 1]! * a;
    pre[i * 4 + 2] = src.data[i * 4 + 2]! * a;
    pre[i * 4 + 3] = a;
  }
  // Horizontal pass: [src.height, width].
  const tmp = new Float64Array(src.height * width * 4);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < width; x++) {
      const w = wx[x]!;
      for (let s = 0; s < src.width; s++) {
        if (w[s] === 0) continue;
        for (let c = 0; c < 4; c++) tmp[(y * width + x) * 4 + c]! += w[s]! * pre[(y * src.width + s) * 4 + c]!;
      }
    }
  }
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const w = wy[y]!;
    for (let x = 0; x < width; x++) {
      const acc = [0, 0, 0, 0];
      for (let s = 0; s < src.height; s++) {
        if (w[s] === 0) continue;
        for (let c = 0; c < 4; c++) acc[c]! += w[s]! * tmp[(s * width + x) * 4 + c]!;
      }
      const a = acc[3]!;
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) out[o + c] = a > 0 ? Math.round(Math.min(255, acc[c]! / a)) : 0;
      out[o + 3] = Math.round(Math.min(1, a) * 255);
    }
  }
  return { width, height, data: out };
}

/** A canvas filled with one colour. */
export function solidImage(width: number, height: number, color: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(color, i * 3);
  return { width, height, data };
}

/** Alpha-blend `sprite` onto `canvas` (in place) with its top-left corner at (left, top); parts outside are clipped. */
export function drawOver(canvas: RgbImage, sprite: RgbaImage, left: number, top: number): RgbImage {
  for (let y = 0; y < sprite.height; y++) {
    const cy = top + y;
    if (cy < 0 || cy >= canvas.height) continue;
    for (let x = 0; x < sprite.width; x++) {
      const cx = left + x;
      if (cx < 0 || cx >= canvas.width) continue;
      const s = (y * sprite.width + x) * 4;
      const a = sprite.data[s + 3]! / 255;
      const d = (cy * canvas.width + cx) * 3;
      for (let c = 0; c < 3; c++) canvas.data[d + c] = Math.round(sprite.data[s + c]! * a + canvas.data[d + c]! * (1 - a));
    }
  }
  return canvas;
}
