// Sampler output to PNG (sharp encodes; pixel values are computed here so results are reproducible).
import { rename } from 'node:fs/promises';
import sharp from 'sharp';

export interface RgbPixels {
  width: number;
  height: number;
  /** 8-bit RGB, row-major. */
  data: Uint8Array;
}

/**
 * Pixel-space tokens [gridH·gridW, 3·p·p] in FLUX.2's "c (i pi) (j pj) -> (i j) (c pi pj)" order, values in
 * [-1, 1], back to an RGB image (the embedded small models patchify pixels instead of using a VAE).
 */
export function pixelTokensToImage(tokens: Float32Array, gridHeight: number, gridWidth: number, patch: number): RgbPixels {
  const width = gridWidth * patch;
  const height = gridHeight * patch;
  const channels = 3 * patch * patch;
  if (tokens.length !== gridHeight * gridWidth * channels) {
    throw new Error(`Expected ${gridHeight * gridWidth} tokens of ${channels} values for a ${patch}-pixel patchify, got ${tokens.length} values.`);
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < gridHeight; i++) {
    for (let j = 0; j < gridWidth; j++) {
      const token = (i * gridWidth + j) * channels;
      for (let ch = 0; ch < 3; ch++) {
        for (let pi = 0; pi < patch; pi++) {
          for (let pj = 0; pj < patch; pj++) {
            const v = tokens[token + (ch * patch + pi) * patch + pj]!;
            const y = i * patch + pi;
            const x = j * patch + pj;
            data[(y * width + x) * 3 + ch] = Math.round(Math.min(1, Math.max(-1, v)) * 127.5 + 127.5);
          }
        }
      }
    }
  }
  return { width, height, data };
}

/** Written to a temporary name and renamed, so a reader never sees a half-written sample. */
export async function writePng(path: string, image: RgbPixels): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}.png`;
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(tmp);
  await rename(tmp, path);
}
