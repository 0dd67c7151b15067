// Position ids (t, h, w, l) of FLUX.2 tokens (docs/flux2.md §Position ids).

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
