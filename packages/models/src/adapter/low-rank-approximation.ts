// The best rank-r LoRA pair for any adapter's layer: a LoKr or LoHa update has a rank far above the pair's, so this
// is an approximation, and it says how far off it is. ΔW ≈ B·A with A = Qᵀ, B = ΔW·Q, where Q spans ΔW's top r right
// singular vectors, found by subspace iteration (the Eckart–Young best approximation in the Frobenius norm, once
// the iteration has converged).
import { SeededRandom } from '@lora-studio/onnx';
import type { LoraLayer } from '../lora/adapter';
import type { AdapterLayer } from './adapter-type';
import { adapterDelta } from './adapter-types';

/** Iterations of ΔW·ΔWᵀ applied to the subspace: the error's gap to the optimum shrinks geometrically with them. */
const ITERATIONS = 40;

/** Orthonormalise the r columns of q ([n, r], row-major) in place (modified Gram–Schmidt). */
function orthonormalize(q: Float64Array, n: number, r: number): void {
  for (let j = 0; j < r; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * r + j]! * q[i * r + k]!;
      for (let i = 0; i < n; i++) q[i * r + j]! -= dot * q[i * r + k]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * r + j]! ** 2;
    norm = Math.sqrt(norm);
    // A zero column (ΔW of rank below r) stays zero: its part of B is then zero too.
    for (let i = 0; i < n; i++) q[i * r + j] = norm > 1e-300 ? q[i * r + j]! / norm : 0;
  }
}

/** out = m [rows, cols] · x [cols, r]; with `transpose`, mᵀ · x where x is [rows, r]. */
function times(m: Float64Array, rows: number, cols: number, x: Float64Array, r: number, transpose = false): Float64Array {
  const out = new Float64Array((transpose ? cols : rows) * r);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const v = m[i * cols + j]!;
    if (v === 0) continue;
    const [o, s] = transpose ? [j, i] : [i, j];
    for (let k = 0; k < r; k++) out[o * r + k]! += v * x[s * r + k]!;
  }
  return out;
}

/** A rank-r LoRA pair closest to the layer's ΔW, and its relative error ‖ΔW − B·A‖ / ‖ΔW‖ (Frobenius). */
export function lowRankApproximation(layer: AdapterLayer, rank: number, seed = 1): { layer: LoraLayer; relativeError: number } {
  const { inDim, outDim, path } = layer;
  const r = Math.min(rank, inDim, outDim);
  const delta = adapterDelta(layer);
  const q = new Float64Array(inDim * r);
  new SeededRandom(seed).fillNormal(q, 1);
  orthonormalize(q, inDim, r);
  for (let it = 0; it < ITERATIONS; it++) {
    const y = times(delta, outDim, inDim, q, r);
    orthonormalize(y, outDim, r);
    q.set(times(delta, outDim, inDim, y, r, true));
    orthonormalize(q, inDim, r);
  }
  const b = times(delta, outDim, inDim, q, r);
  const down = new Float32Array(r * inDim);
  for (let i = 0; i < inDim; i++) for (let k = 0; k < r; k++) down[k * inDim + i] = q[i * r + k]!;
  const up = Float32Array.from(b);
  const lora: LoraLayer = { path, inDim, outDim, rank: r, alpha: r, down, up };
  const approx = adapterDelta(lora);
  let err = 0;
  let norm = 0;
  for (let i = 0; i < delta.length; i++) {
    err += (delta[i]! - approx[i]!) ** 2;
    norm += delta[i]! ** 2;
  }
  return { layer: lora, relativeError: norm > 0 ? Math.sqrt(err / norm) : 0 };
}
