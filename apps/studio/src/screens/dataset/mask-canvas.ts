/**
 * The pixels a mask is painted at: the image's shape, its long side at most MASK_PAINT_SIDE. The services stretch
 * the mask over the full image when they store it, so painting at full size (4000 px photos) would only cost memory
 * and a larger request.
 */
export const MASK_PAINT_SIDE = 1024;

export function maskCanvasSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MASK_PAINT_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Brush sizes, in painted pixels; the default covers a hand in a portrait. */
export const BRUSH_SIZE = { min: 2, max: 400, initial: 48 } as const;

/** Black ↔ white (grey between mirrors too): what was learnt is ignored and the other way round. Alpha stays. */
export function invertMask(rgba: Uint8ClampedArray): void {
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = 255 - rgba[i]!;
    rgba[i + 1] = 255 - rgba[i + 1]!;
    rgba[i + 2] = 255 - rgba[i + 2]!;
  }
}

/** How much the mask teaches, 0–1: the mean grey (white counts fully, grey in part), as the loss weighs it. */
export function learntShare(rgba: Uint8ClampedArray): number {
  let sum = 0;
  for (let i = 0; i < rgba.length; i += 4) sum += rgba[i]!;
  return rgba.length === 0 ? 0 : sum / (255 * (rgba.length / 4));
}

/** A canvas's PNG as the API takes it: base64 without the data-URL prefix. */
export function pngBase64(dataUrl: string): string {
  return dataUrl.slice(dataUrl.indexOf(',') + 1);
}
