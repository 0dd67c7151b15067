// Reductions (opset 18+ form: axes as an int64 input).

import { int, type Tensor } from '../graph';
import { normalizeAxis, type Dim } from '../shape';
import { int64s, single } from './common';

export interface ReduceOptions {
  keepdims?: boolean;
}

function reduce(op: string, x: Tensor, axes: readonly number[] | undefined, opts: ReduceOptions): Tensor {
  const keep = opts.keepdims ?? false;
  const all = axes ?? x.shape.map((_, i) => i);
  const norm = all.map((a) => normalizeAxis(a, x.rank, op));
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) out.push(d);
    else if (keep) out.push(1);
  });
  const inputs = axes === undefined ? [x] : [x, int64s(x.graph, norm)];
  return single(x.graph, op, inputs, { keepdims: int(keep ? 1 : 0) }, x.dtype, out);
}

/** Sum over `axes` (all axes when omitted). */
export const reduceSum = (x: Tensor, axes?: readonly number[], opts: ReduceOptions = {}) => reduce('ReduceSum', x, axes, opts);
export const reduceMean = (x: Tensor, axes?: readonly number[], opts: ReduceOptions = {}) => reduce('ReduceMean', x, axes, opts);
export const reduceMax = (x: Tensor, axes?: readonly number[], opts: ReduceOptions = {}) => reduce('ReduceMax', x, axes, opts);
export const reduceSumSquare = (x: Tensor, axes?: readonly number[], opts: ReduceOptions = {}) => reduce('ReduceSumSquare', x, axes, opts);
