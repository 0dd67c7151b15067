// Elementwise ops with numpy broadcasting, 1:1 with ONNX.

import { ONNX_DTYPE_CODE, type DType } from '../dtype';
import { float, str, type Attrs, type Tensor } from '../graph';
import { broadcastShapes } from '../shape';
import { dtypeOf, graphOf, lift, single, type Operand } from './common';

function binary(op: string, a: Operand, b: Operand, outDType?: DType): Tensor {
  const g = graphOf(op, [a, b]);
  const dtype = dtypeOf(op, [a, b]);
  const x = lift(g, a, dtype);
  const y = lift(g, b, dtype);
  return single(g, op, [x, y], {}, outDType ?? dtype, broadcastShapes(op, x.shape, y.shape));
}

function unary(op: string, x: Tensor, attrs: Attrs = {}, outDType?: DType): Tensor {
  return single(x.graph, op, [x], attrs, outDType ?? x.dtype, x.shape);
}

export const add = (a: Operand, b: Operand) => binary('Add', a, b);
export const sub = (a: Operand, b: Operand) => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand) => binary('Mul', a, b);
export const div = (a: Operand, b: Operand) => binary('Div', a, b);
export const pow = (a: Operand, b: Operand) => binary('Pow', a, b);
export const min = (a: Operand, b: Operand) => binary('Min', a, b);
export const max = (a: Operand, b: Operand) => binary('Max', a, b);
export const greater = (a: Operand, b: Operand) => binary('Greater', a, b, 'bool');
export const less = (a: Operand, b: Operand) => binary('Less', a, b, 'bool');
export const equal = (a: Operand, b: Operand) => binary('Equal', a, b, 'bool');
export const and = (a: Tensor, b: Tensor) => binary('And', a, b, 'bool');
export const or = (a: Tensor, b: Tensor) => binary('Or', a, b, 'bool');

export const neg = (x: Tensor) => unary('Neg', x);
export const abs = (x: Tensor) => unary('Abs', x);
export const sqrt = (x: Tensor) => unary('Sqrt', x);
export const reciprocal = (x: Tensor) => unary('Reciprocal', x);
export const exp = (x: Tensor) => unary('Exp', x);
export const log = (x: Tensor) => unary('Log', x);
export const tanh = (x: Tensor) => unary('Tanh', x);
export const sigmoid = (x: Tensor) => unary('Sigmoid', x);
export const erf = (x: Tensor) => unary('Erf', x);
export const sin = (x: Tensor) => unary('Sin', x);
export const cos = (x: Tensor) => unary('Cos', x);
export const relu = (x: Tensor) => unary('Relu', x);
export const identity = (x: Tensor) => unary('Identity', x);
export const not = (x: Tensor) => unary('Not', x);
export const isNaN = (x: Tensor) => unary('IsNaN', x, {}, 'bool');
export const isInf = (x: Tensor) => unary('IsInf', x, {}, 'bool');

/** ONNX Gelu (opset 20): exact erf form, or the tanh approximation. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none') =>
  unary('Gelu', x, approximate === 'tanh' ? { approximate: str('tanh') } : {});

/**
 * SiLU (swish), x·sigmoid(x); ONNX has no single op for it at opset 20. In float32 it is onnxruntime's QuickGelu
 * with alpha 1, the same arithmetic in one node (one pass, where Sigmoid and Mul write two), and its gradient takes
 * two passes less than the two nodes' would; float64 (onnxruntime's QuickGelu is float32 only) composes it.
 */
export const silu = (x: Tensor) => (x.dtype === 'float32' ? quickGelu(x, 1) : mul(x, sigmoid(x)));

/** onnxruntime's QuickGelu (com.microsoft, float32): x·sigmoid(alpha·x). */
export const quickGelu = (x: Tensor, alpha: number) =>
  x.graph.addNode('QuickGelu', [x], { alpha: float(alpha) }, [{ dtype: x.dtype, shape: x.shape }], { domain: 'com.microsoft' })[0]!;

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  return unary('Cast', x, { to: { type: 'int', value: ONNX_DTYPE_CODE[to] } }, to);
}

export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const g = cond.graph;
  const dtype = dtypeOf('Where', [a, b]);
  const x = lift(g, a, dtype);
  const y = lift(g, b, dtype);
  return single(g, 'Where', [cond, x, y], {}, dtype, broadcastShapes('Where', cond.shape, x.shape, y.shape));
}

/** Elementwise sum of any number of same-dtype tensors (ONNX Sum). */
export function sum(terms: readonly Tensor[]): Tensor {
  if (terms.length === 0) throw new Error('Sum: needs at least one tensor.');
  if (terms.length === 1) return terms[0];
  const dtype = dtypeOf('Sum', terms);
  return single(terms[0].graph, 'Sum', terms, {}, dtype, broadcastShapes('Sum', ...terms.map((t) => t.shape)));
}
