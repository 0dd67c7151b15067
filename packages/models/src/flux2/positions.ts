// Position ids (t, h, w, l) of FLUX.2 tokens (docs/flux2.md §Position ids).
import { joinArrays } from '@lora-studio/onnx';

/** Image tokens of an h×w latent grid, row-major: (0, row, col, 0); reference image i uses t = 10 + 10·i. */
export function flux2ImageIds(height: number, width: number, referenceIndex?: number): Float32Array {
  const ids = new Float32Array(height * width * 4);
  const t = referenceIndex === undefined ? 0 : 10 + 10 * referenceIndex;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = (r * width + c) * 4;
      ids[i] = t;
      ids[i + 1] = r;
      ids[i + 2] = c;
    }
  }
  return ids;
}

/** Text token i (padding included): (0, 0, 0, i). */
export function flux2TextIds(length: number): Float32Array {
  const ids = new Float32Array(length * 4);
  for (let i = 0; i < length; i++) ids[i * 4 + 3] = i;
  return ids;
}

/** The latent token grid of one reference image. */
export interface ReferenceGrid {
  height: number;
  width: number;
}

/**
 * Position ids of a row's reference images, back to back in the order given: reference i's tokens are
 * (10 + 10·i, row, col, 0), its own grid counted from (0, 0) as the noisy image's is. Only the time axis tells the
 * references apart from the image being made and from each other (BFL's and diffusers' FLUX.2 pipelines alike).
 */
export function flux2ReferenceIds(grids: readonly ReferenceGrid[]): Float32Array {
  return joinArrays(grids.map((g, i) => flux2ImageIds(g.height, g.width, i)));
}
