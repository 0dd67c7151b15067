// Ops that move, select or reshape data without arithmetic, 1:1 with ONNX (opset 20 forms:
// shapes, axes, splits and slice bounds are int64 input tensors built here from plain arrays).

import { int, ints, str, type Attrs, type Tensor } from '../graph';
import {
  broadcastShapes, dimProduct, formatShape, isStatic, normalizeAxis, reshapeShape, ShapeError, type Dim, type Shape,
} from '../shape';
import { int64s, single } from './common';

/** Reshape to `dims` (0 copies the input dim, -1 takes the rest). */
export function reshape(x: Tensor, dims: readonly number[]): Tensor {
  return single(x.graph, 'Reshape', [x, int64s(x.graph, dims)], {}, x.dtype, reshapeShape(x.shape, dims));
}

/** Reshape to a known shape; named dims are read at run time from `like` (a tensor of that shape) when needed. */
export function reshapeTo(x: Tensor, shape: Shape, like?: Tensor): Tensor {
  if (dimProduct(shape) !== dimProduct(x.shape)) {
    throw new ShapeError(`Reshape: ${formatShape(x.shape)} cannot become ${formatShape(shape)}.`);
  }
  const target = isStatic(shape) ? int64s(x.graph, shape) : shapeOf(requireLike('Reshape', shape, like));
  return single(x.graph, 'Reshape', [x, target], {}, x.dtype, shape);
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError(`Transpose: perm ${formatShape(p)} is not a permutation of ${x.rank} axes.`);
  }
  return single(x.graph, 'Transpose', [x], { perm: ints(p) }, x.dtype, p.map((i) => x.shape[i]));
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('Concat: needs at least one tensor.');
  const first = xs[0];
  const a = normalizeAxis(axis, first.rank, 'Concat');
  const out = [...first.shape];
  const along: Dim[] = [];
  for (const x of xs) {
    if (x.rank !== first.rank || x.dtype !== first.dtype || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(`Concat: ${x} does not match ${first} outside axis ${axis}.`);
    }
    along.push(x.shape[a]);
  }
  out[a] = along.every((d) => typeof d === 'number') ? (along as number[]).reduce((s, d) => s + d, 0) : along.join('+');
  return single(first.graph, 'Concat', xs, { axis: int(a) }, first.dtype, out);
}

/** Splits `x` along `axis` into pieces of the given sizes. */
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'Split');
  const total = sizes.reduce((s, d) => s + d, 0);
  if (typeof x.shape[a] === 'number' && x.shape[a] !== total) {
    throw new ShapeError(`Split: sizes ${formatShape(sizes)} add up to ${total}, but axis ${axis} of ${x} has ${x.shape[a]}.`);
  }
  const outs = sizes.map((d) => ({ dtype: x.dtype, shape: x.shape.map((s, i) => (i === a ? d : s)) }));
  return x.graph.addNode('Split', [x, int64s(x.graph, sizes)], { axis: int(a) }, outs);
}

/**
 * Splits `x` along `axis` into pieces as long as each tensor of `like` is along it (the inverse of concat(like, axis)).
 * Named lengths are read from `like` at run time, so a joined sequence of symbolic token counts splits back.
 */
export function splitAs(x: Tensor, like: readonly Tensor[], axis: number): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'Split');
  const sizes = like.map((t) => t.shape[a]!);
  if (sizes.every((d): d is number => typeof d === 'number')) return split(x, sizes, axis);
  const lengths = concat(like.map((t) => slice(shapeOf(t), [a], [a + 1])), 0);
  const outs = sizes.map((d) => ({ dtype: x.dtype, shape: x.shape.map((s, i) => (i === a ? d : s)) }));
  return x.graph.addNode('Split', [x, lengths], { axis: int(a) }, outs);
}

/** ONNX Slice with numpy clamping; `axes` default to 0..n-1, `steps` to 1. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  const ax = (axes ?? starts.map((_, i) => i)).map((v) => normalizeAxis(v, x.rank, 'Slice'));
  const st = steps ?? starts.map(() => 1);
  const out = [...x.shape];
  ax.forEach((a, i) => {
    const dim = x.shape[a];
    if (typeof dim !== 'number') {
      if (starts[i] === 0 && ends[i] >= 2 ** 62 && st[i] === 1) return;
      throw new ShapeError(`Slice: axis ${a} of ${x} is named ('${dim}'); slice only numeric dims.`);
    }
    out[a] = sliceLength(dim, starts[i], ends[i], st[i]);
  });
  const g = x.graph;
  const inputs = [x, int64s(g, starts), int64s(g, ends), int64s(g, ax), int64s(g, st)];
  return single(g, 'Slice', inputs, {}, x.dtype, out);
}

export function sliceLength(dim: number, start: number, end: number, step: number): number {
  if (step === 0) throw new ShapeError('Slice: step cannot be 0.');
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const s = start < 0 ? start + dim : start;
  const e = end < 0 ? end + dim : end;
  if (step > 0) return Math.max(0, Math.ceil((clamp(e, 0, dim) - clamp(s, 0, dim)) / step));
  return Math.max(0, Math.ceil((clamp(s, -1, dim - 1) - clamp(e, -1, dim - 1)) / step));
}

export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normalizeAxis(axis, x.rank, 'Gather');
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new Error(`Gather: indices ${indices} must be int64 or int32.`);
  const out = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return single(x.graph, 'Gather', [x, indices], { axis: int(a) }, x.dtype, out);
}

export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normalizeAxis(a, rank, 'Unsqueeze'));
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[j++]);
  return single(x.graph, 'Unsqueeze', [x, int64s(x.graph, axes)], {}, x.dtype, out);
}

export function squeeze(x: Tensor, axes: readonly number[]): Tensor {
  const norm = axes.map((a) => normalizeAxis(a, x.rank, 'Squeeze'));
  for (const a of norm) {
    if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${x} is not 1.`);
  }
  const out = x.shape.filter((_, i) => !norm.includes(i));
  return single(x.graph, 'Squeeze', [x, int64s(x.graph, axes)], {}, x.dtype, out);
}

/** Broadcasts `x` to `shape` (ONNX Expand); named dims are read at run time from `like` when needed. */
export function expand(x: Tensor, shape: Shape, like?: Tensor): Tensor {
  const out = broadcastShapes('Expand', x.shape, shape);
  const target = isStatic(shape) ? int64s(x.graph, shape) : shapeOf(requireLike('Expand', shape, like));
  return single(x.graph, 'Expand', [x, target], {}, x.dtype, out);
}

export function shapeOf(x: Tensor): Tensor {
  return single(x.graph, 'Shape', [x], {}, 'int64', [x.rank]);
}

/** Constant padding; `pads` is [begin_0, …, begin_n, end_0, …, end_n] as in ONNX. */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length !== 2 * x.rank) throw new ShapeError(`Pad: ${x} needs ${2 * x.rank} pads, got ${pads.length}.`);
  const out = x.shape.map((d, i) => {
    if (pads[i] === 0 && pads[i + x.rank] === 0) return d;
    if (typeof d !== 'number') throw new ShapeError(`Pad: axis ${i} of ${x} is named; pad only numeric dims.`);
    return d + pads[i] + pads[i + x.rank];
  });
  const g = x.graph;
  return single(g, 'Pad', [x, int64s(g, pads), g.constant(x.dtype, [], [value])], { mode: str('constant') }, x.dtype, out);
}

/** ONNX ScatterND; with reduction 'add', duplicate indices accumulate (used for Gather's gradient). */
export function scatterND(data: Tensor, indices: Tensor, updates: Tensor, reduction: 'none' | 'add' = 'none'): Tensor {
  const attrs: Attrs = reduction === 'none' ? {} : { reduction: str(reduction) };
  return single(data.graph, 'ScatterND', [data, indices, updates], attrs, data.dtype, data.shape);
}

function requireLike(op: string, shape: Shape, like: Tensor | undefined): Tensor {
  if (!like || like.rank !== shape.length || like.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: target ${formatShape(shape)} has named dims; pass a tensor of that shape to read them at run time.`);
  }
  return like;
}
