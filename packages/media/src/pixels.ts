/**
 * Pixel statistics on raw 8-bit buffers. Pure functions (no sharp, no I/O) so each is tested on its own
 * and the same code runs in the importer and the benchmark.
 */

/** Rec. 601 luma of an interleaved buffer with `channels` channels (RGB first). */
export function luma(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const out = new Uint8Array(width * height);
  if (channels < 3) {
    for (let i = 0; i < out.length; i++) out[i] = data[i * channels]!;
    return out;
  }
  // Rec. 601 weights in 1/256ths (77, 150, 29): integer shifts instead of a division per pixel, which made this
  // loop the slowest step of an import; within one grey level of the exact weights.
  for (let i = 0, p = 0; i < out.length; i++, p += channels) {
    out[i] = (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29 + 128) >> 8;
  }
  return out;
}

/**
 * A grey image shrunk to width × height by area averaging (each output pixel is the mean of the input area it
 * covers, fractional edges weighted), stretched to fill like the hash miniatures need. In JavaScript because a
 * sharp call per miniature cost more in call overhead than the few hundred thousand reads this is.
 */
export function shrinkGrey(grey: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  // Column sums first (per output column, every input row), then rows: two passes of one read per pixel.
  const cols = new Float64Array(height * outWidth);
  const sx = width / outWidth;
  for (let x0 = 0; x0 < outWidth; x0++) {
    const from = x0 * sx;
    const to = from + sx;
    for (let x = Math.floor(from); x < Math.min(width, Math.ceil(to)); x++) {
      const w = Math.min(to, x + 1) - Math.max(from, x);
      if (w <= 0) continue;
      for (let y = 0; y < height; y++) cols[y * outWidth + x0]! += grey[y * width + x]! * w;
    }
  }
  const out = new Uint8Array(outWidth * outHeight);
  const sy = height / outHeight;
  for (let y0 = 0; y0 < outHeight; y0++) {
    const from = y0 * sy;
    const to = from + sy;
    for (let x0 = 0; x0 < outWidth; x0++) {
      let s = 0;
      for (let y = Math.floor(from); y < Math.min(height, Math.ceil(to)); y++) {
        const w = Math.min(to, y + 1) - Math.max(from, y);
        if (w > 0) s += cols[y * outWidth + x0]! * w;
      }
      out[y0 * outWidth + x0] = Math.round(s / (sx * sy));
    }
  }
  return out;
}

/**
 * Variance of the 4-neighbour Laplacian on one channel of an interleaved buffer (`channels` values per pixel,
 * `channel` picks one): high when edges are crisp, low when the image is soft. Sharpness of a colour image comes from
 * its green channel, which carries most of the luma detail, without converting it to grey first. `rowStep` > 1
 * samples rows (each with its full neighbourhood): the same variance estimate from fewer reads.
 */
export function channelLaplacianVariance(data: Uint8Array, width: number, height: number, channels: number, channel: number, rowStep = 1): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  const up = width * channels;
  for (let y = 1; y < height - 1; y += rowStep) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = (row + x) * channels + channel;
      const v = data[i - channels]! + data[i + channels]! + data[i - up]! + data[i + up]! - 4 * data[i]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export interface Exposure {
  meanLuma: number;
  /** Share of pixels at or above 250. */
  highlightsClipped: number;
  /** Share of pixels at or below 5. */
  shadowsClipped: number;
}

export function exposure(grey: Uint8Array): Exposure {
  let sum = 0;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i]!;
    sum += v;
    if (v >= 250) hi++;
    else if (v <= 5) lo++;
  }
  const n = Math.max(1, grey.length);
  return { meanLuma: sum / n, highlightsClipped: hi / n, shadowsClipped: lo / n };
}

/** Hasler & Süsstrunk colourfulness on an RGB(A) buffer: 0 for grey, ~100+ for vivid images. */
export function colourfulness(data: Uint8Array, pixels: number, channels: number): number {
  if (channels < 3 || pixels === 0) return 0;
  let sRg = 0;
  let sYb = 0;
  let qRg = 0;
  let qYb = 0;
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    const r = data[p]!;
    const g = data[p + 1]!;
    const b = data[p + 2]!;
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    sRg += rg;
    sYb += yb;
    qRg += rg * rg;
    qYb += yb * yb;
  }
  const mRg = sRg / pixels;
  const mYb = sYb / pixels;
  const vRg = Math.max(0, qRg / pixels - mRg * mRg);
  const vYb = Math.max(0, qYb / pixels - mYb * mYb);
  return Math.sqrt(vRg + vYb) + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
}

/** Std-dev of luma in the outer band (8% of each side) of the image: low means a plain backdrop. */
export function borderStdDev(grey: Uint8Array, width: number, height: number): number {
  const bx = Math.max(1, Math.round(width * 0.08));
  const by = Math.max(1, Math.round(height * 0.08));
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    const inBandY = y < by || y >= height - by;
    for (let x = 0; x < width; x++) {
      if (!inBandY && x >= bx && x < width - bx) continue;
      const v = grey[y * width + x]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

/**
 * A background/lighting signature: mean colour (0–1) of the top, bottom, left and right border bands and of the whole
 * image. Photos taken in the same room under the same light land close together; the subject in the middle matters less.
 */
export function lookSignature(data: Uint8Array, width: number, height: number, channels: number): number[] {
  const bx = Math.max(1, Math.round(width * 0.15));
  const by = Math.max(1, Math.round(height * 0.15));
  const g = Math.min(1, channels - 1);
  const b = Math.min(2, channels - 1);
  // One pass: per row, the sums of the whole row and of its left and right bands. Order: top, bottom, left, right, all.
  const sums = new Float64Array(15);
  const row = new Float64Array(3);
  const left = new Float64Array(3);
  const right = new Float64Array(3);
  for (let y = 0; y < height; y++) {
    row.fill(0);
    left.fill(0);
    right.fill(0);
    for (let x = 0, p = y * width * channels; x < width; x++, p += channels) {
      const r = data[p]!;
      const gg = data[p + g]!;
      const bb = data[p + b]!;
      row[0] += r;
      row[1] += gg;
      row[2] += bb;
      if (x < bx) {
        left[0] += r;
        left[1] += gg;
        left[2] += bb;
      }
      if (x >= width - bx) {
        right[0] += r;
        right[1] += gg;
        right[2] += bb;
      }
    }
    for (let k = 0; k < 3; k++) {
      if (y < by) sums[k] += row[k]!;
      if (y >= height - by) sums[3 + k] += row[k]!;
      sums[6 + k] += left[k]!;
      sums[9 + k] += right[k]!;
      sums[12 + k] += row[k]!;
    }
  }
  const counts = [
    Math.min(by, height) * width,
    Math.min(by, height) * width,
    Math.min(bx, width) * height,
    Math.min(bx, width) * height,
    width * height,
  ];
  const sig: number[] = [];
  for (let region = 0; region < 5; region++) {
    const n = Math.max(1, counts[region]!);
    for (let k = 0; k < 3; k++) sig.push(sums[region * 3 + k]! / n / 255);
  }
  return sig.map((v) => Math.round(v * 1000) / 1000);
}

/** Root-mean-square difference of two signatures of equal length. */
export function signatureDistance(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / n);
}
