// Rotary position embedding (RoPE) with per-token angles, as FLUX.2 uses it: pairs (x[2k], x[2k+1]) of each head
// are rotated by the angle of their token and pair.

import { int, type Tensor } from '../graph';
import { ShapeError, type Dim } from '../shape';
import { mul, neg, sub, add } from './elementwise';
import { concat, reshape, shapeOf, slice, split, unsqueeze } from './layout';

/**
 * Rotates the interleaved pairs of x [B, H, T, d] by per-token angles given as cos and sin [B, T, d/2]:
 * (x0, x1) → (x0·cos − x1·sin, x0·sin + x1·cos). In float32 it is onnxruntime's one RotaryEmbedding node (its
 * gradient is the same rotation by the opposite angle: one node again) instead of eight nodes and their gradients;
 * other dtypes (float64 checks) compose it.
 */
export function rotaryEmbedding(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const half = cos.shape[2];
  if (x.rank !== 4 || cos.rank !== 3 || sin.rank !== 3 || typeof half !== 'number' || x.shape[3] !== 2 * half) {
    throw new ShapeError(`rotaryEmbedding: x ${x} must be [B, H, T, d] and cos ${cos} / sin ${sin} [B, T, d/2].`);
  }
  if (x.dtype === 'float32') return rotate(x, tokenIndex(cos), reshape(cos, [-1, half]), reshape(sin, [-1, half]));
  const pairs = reshape(x, [0, 0, 0, half, 2]);
  const [x0, x1] = split(pairs, [1, 1], 4) as [Tensor, Tensor];
  const [c, s] = [unsqueeze(cos, [1, 4]), unsqueeze(sin, [1, 4])];
  const r0 = sub(mul(c, x0), mul(s, x1));
  const r1 = add(mul(s, x0), mul(c, x1));
  return reshape(concat([r0, r1], 4), [0, 0, 0, x.shape[3]!]);
}

/** onnxruntime's RotaryEmbedding (com.microsoft) over caches [B·T, d/2] indexed by each token's row. */
export function rotate(x: Tensor, positions: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return x.graph.addNode('RotaryEmbedding', [x, positions, cos, sin], { interleaved: int(1) }, [{ dtype: x.dtype, shape: x.shape }], { domain: 'com.microsoft' })[0]!;
}

/** Gradient of `rotate` with respect to x: the rotation by the opposite angles. */
export function rotateBack(dy: Tensor, positions: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return rotate(dy, positions, cos, neg(sin));
}

/** Each token's row in the flattened tables: [B, T] int64 holding 0 … B·T − 1 (read at run time when B or T is named). */
function tokenIndex(table: Tensor): Tensor {
  const g = table.graph;
  const [B, T] = table.shape as [Dim, Dim];
  if (typeof B === 'number' && typeof T === 'number') return g.constant('int64', [B, T], Array.from({ length: B * T }, (_, i) => i));
  const bt = slice(shapeOf(table), [0], [2]);
  const count = g.addNode('ReduceProd', [bt], { keepdims: int(0) }, [{ dtype: 'int64', shape: [] }])[0]!;
  const zero = g.constant('int64', [], [0]);
  const one = g.constant('int64', [], [1]);
  const rows = g.addNode('Range', [zero, count, one], {}, [{ dtype: 'int64', shape: [`${B}*${T}`] }])[0]!;
  return g.addNode('Reshape', [rows, bt], {}, [{ dtype: 'int64', shape: [B, T] }])[0]!;
}
