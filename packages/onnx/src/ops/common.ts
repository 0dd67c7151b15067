// Helpers shared by the op builders: turning plain numbers into constants of the right dtype.

import type { DType } from '../dtype';
import { Tensor, type Attrs, type Graph } from '../graph';
import type { Shape } from '../shape';

/** A tensor, or a plain number that becomes a scalar constant of the other operand's dtype. */
export type Operand = Tensor | number;

export function graphOf(op: string, operands: readonly (Operand | null | undefined)[]): Graph {
  const t = operands.find((x): x is Tensor => x instanceof Tensor);
  if (!t) throw new Error(`${op}: at least one operand must be a tensor.`);
  return t.graph;
}

export function lift(g: Graph, x: Operand, dtype: DType): Tensor {
  return x instanceof Tensor ? x : g.constant(dtype, [], [x]);
}

export function dtypeOf(op: string, operands: readonly Operand[]): DType {
  const t = operands.find((x): x is Tensor => x instanceof Tensor);
  if (!t) throw new Error(`${op}: at least one operand must be a tensor.`);
  for (const x of operands) {
    if (x instanceof Tensor && x.dtype !== t.dtype) {
      throw new Error(`${op}: operands have different dtypes (${t.name}: ${t.dtype}, ${x.name}: ${x.dtype}); insert cast() first.`);
    }
  }
  return t.dtype;
}

export function single(g: Graph, op: string, inputs: readonly (Tensor | null)[], attrs: Attrs, dtype: DType, shape: Shape): Tensor {
  return g.addNode(op, inputs, attrs, [{ dtype, shape }])[0];
}

export function int64s(g: Graph, values: readonly number[]): Tensor {
  return g.constant('int64', [values.length], values);
}
