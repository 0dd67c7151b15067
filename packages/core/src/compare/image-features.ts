// A small, deterministic image descriptor for "do these pictures share a look?" when there are no faces to compare.
// Three parts, each normalised, compared part by part:
//  - palette:  a 4×4×4 joint RGB histogram (what colours, in what amounts);
//  - edges:    a histogram of gradient magnitudes (flat art has few, strong edges; shaded art many soft ones);
//  - layout:   an 8×8 grey thumbnail, mean-centred (where light and dark sit).
// Similarity is 0.4·palette + 0.3·edges (histogram intersections, 0–1) + 0.3·layout (cosine mapped to 0–1).
// Pixel distance (mean absolute difference, 0–1) answers the other question: "is this the same picture?"
import type { RgbImage } from '@lora-studio/trainer';

export interface ImageFeatures {
  palette: Float64Array;
  edges: Float64Array;
  layout: Float64Array;
}

const EDGE_BINS = [0, 8, 16, 32, 64, 96, 128, 192, Infinity];

export function imageFeatures(image: RgbImage): ImageFeatures {
  const { width: w, height: h, data } = image;
  const n = w * h;
  const palette = new Float64Array(64);
  const grey = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[i * 3]!;
    const g = data[i * 3 + 1]!;
    const b = data[i * 3 + 2]!;
    palette[(r >> 6) * 16 + (g >> 6) * 4 + (b >> 6)]! += 1 / n;
    grey[i] = 0.299 * r + 0.587 * g + 0.114 * b;
  }
  const edges = new Float64Array(EDGE_BINS.length - 1);
  let count = 0;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const gx = grey[y * w + x + 1]! - grey[y * w + x]!;
      const gy = grey[(y + 1) * w + x]! - grey[y * w + x]!;
      const m = Math.hypot(gx, gy);
      edges[EDGE_BINS.findIndex((edge, k) => m >= edge && m < EDGE_BINS[k + 1]!)]! += 1;
      count++;
    }
  }
  for (let k = 0; k < edges.length; k++) edges[k]! /= Math.max(1, count);
  const layout = new Float64Array(64);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) layout[Math.floor((y * 8) / h) * 8 + Math.floor((x * 8) / w)]! += grey[y * w + x]!;
  }
  const mean = layout.reduce((a, v) => a + v, 0) / 64;
  for (let k = 0; k < 64; k++) layout[k]! -= mean;
  return { palette, edges, layout };
}

function intersection(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i]!, b[i]!);
  return s;
}

function cosine01(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  // Two flat images (no layout at all) look alike.
  if (na === 0 || nb === 0) return na === nb ? 1 : 0.5;
  return (1 + dot / Math.sqrt(na * nb)) / 2;
}

/** 0 (nothing in common) … 1 (same palette, edges and layout). */
export function featureSimilarity(a: ImageFeatures, b: ImageFeatures): number {
  return 0.4 * intersection(a.palette, b.palette) + 0.3 * intersection(a.edges, b.edges) + 0.3 * cosine01(a.layout, b.layout);
}

/** Mean absolute pixel difference, 0 (identical) … 1; both images must have the same size. */
export function pixelDistance(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`Cannot compare a ${a.width}×${a.height} image with a ${b.width}×${b.height} one.`);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / (a.data.length * 255);
}
