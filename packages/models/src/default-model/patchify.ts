// The default model works in pixel space: an RGB image is cut into patch×patch squares and each square becomes
// one token of 3·patch² channels, in FLUX.2's "c (i pi) (j pj) -> (i j) (c pi pj)" order. The map is fixed and
// exactly invertible, so it needs no weights and no training (see README.md for why not a learned autoencoder).
import type { RgbImage } from './pixels';

export interface PixelFormat {
  /** Side of the square training image in pixels. */
  size: number;
  /** Side of one patch in pixels. */
  patch: number;
}

/** Float pixels, row-major height × width × RGB, values in [-1, 1] (the trainer's image form). */
export interface FloatImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

export function tokenCount(f: PixelFormat): number {
  return (f.size / f.patch) ** 2;
}

export function tokenChannels(f: PixelFormat): number {
  return 3 * f.patch * f.patch;
}

function checkSides(width: number, height: number, patch: number): void {
  if (width % patch !== 0 || height % patch !== 0 || width <= 0 || height <= 0) {
    throw new Error(`Image sides must be positive multiples of the patch size ${patch}; got ${width}×${height}. Resize or crop it first.`);
  }
}

/** Float pixels → tokens [rows·cols, 3·p²]. */
export function patchifyPixels(image: FloatImage, patch: number): Float32Array {
  const { width, height, pixels } = image;
  checkSides(width, height, patch);
  const cols = width / patch;
  const channels = 3 * patch * patch;
  const out = new Float32Array((height / patch) * cols * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const token = (Math.floor(y / patch) * cols + Math.floor(x / patch)) * channels;
      const inner = (y % patch) * patch + (x % patch);
      for (let c = 0; c < 3; c++) out[token + c * patch * patch + inner] = pixels[(y * width + x) * 3 + c]!;
    }
  }
  return out;
}

/** Tokens → float pixels (inverse of patchifyPixels). */
export function unpatchifyPixels(tokens: Float32Array, width: number, height: number, patch: number): FloatImage {
  checkSides(width, height, patch);
  const cols = width / patch;
  const channels = 3 * patch * patch;
  if (tokens.length !== (height / patch) * cols * channels) {
    throw new Error(`A ${width}×${height} image needs ${(height / patch) * cols} tokens of ${channels} channels; got ${tokens.length} values.`);
  }
  const pixels = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const token = (Math.floor(y / patch) * cols + Math.floor(x / patch)) * channels;
      const inner = (y % patch) * patch + (x % patch);
      for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = tokens[token + c * patch * patch + inner]!;
    }
  }
  return { width, height, pixels };
}

export function bytesToFloat(image: RgbImage): FloatImage {
  return { width: image.width, height: image.height, pixels: Float32Array.from(image.data, (v) => v / 127.5 - 1) };
}

/** Values outside [-1, 1] are clipped. */
export function floatToBytes(image: FloatImage): RgbImage {
  const data = Uint8Array.from(image.pixels, (v) => Math.round(Math.min(255, Math.max(0, (v + 1) * 127.5))));
  return { width: image.width, height: image.height, data };
}

/** An image of the model's size (float pixels in [-1, 1], or RGB bytes) → tokens [N, 3·p²]. */
export function patchify(image: FloatImage | RgbImage, f: PixelFormat): Float32Array {
  if (image.width !== f.size || image.height !== f.size) {
    throw new Error(`The default model takes ${f.size}×${f.size} images; got ${image.width}×${image.height}. Resize it first.`);
  }
  return patchifyPixels('pixels' in image ? image : bytesToFloat(image), f.patch);
}

/** Tokens → float pixels of the model's size (floatToBytes for an 8-bit image). */
export function unpatchify(tokens: Float32Array, f: PixelFormat): FloatImage {
  return unpatchifyPixels(tokens, f.size, f.size, f.patch);
}
