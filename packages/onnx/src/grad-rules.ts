// One gradient rule per op: given the node's inputs x(i), outputs y(i) and output gradients dy(i),
// return one gradient per input (null where not differentiable). Broadcast reduction is NOT done
// here: the engine (autodiff.ts) sums each gradient back to its input's shape.
// `null` as a table entry means the op has no gradient at all (comparisons, Shape, …).

import type { GradContext, GradRule } from './autodiff';
import type { AttrValue, Tensor } from './graph';
import {
  add, cast, concat, conv, convTranspose, cos, div, equal, erf, exp, expand, gemm, greater, less, log, matmul, mul, neg,
  not, pad, pow, reduceMean, reduceSum, rotateBack, reshape, reshapeTo, scatterND, sigmoid, sin, slice, split, splitAs, squeeze, sub, tanh, transpose, unsqueeze, where,
} from './ops';
import { int64s } from './ops/common';
import { isStatic, normalizeAxis, ShapeError } from './shape';

const attr = (ctx: GradContext, name: string): AttrValue | undefined => ctx.node.attrs[name];
const intAttr = (ctx: GradContext, name: string, dflt: number) => (attr(ctx, name)?.value as number | undefined) ?? dflt;
const intsAttr = (ctx: GradContext, name: string) => attr(ctx, name)?.value as number[] | undefined;
const zerosLike = (t: Tensor) => expand(t.graph.constant(t.dtype, [], [0]), t.shape, t);
/** dy(i), or zeros shaped like output i when nothing downstream used it. */
const dyOrZero = (ctx: GradContext, i: number) => ctx.dy(i) ?? zerosLike(ctx.y(i));

/** Values of a constant int64 input (axes, shapes, slice bounds). */
export function constInts(t: Tensor | null, what: string): number[] {
  const v = t?.producer?.opType === 'Constant' ? t.producer.attrs.value : undefined;
  if (v?.type !== 'tensor') throw new Error(`${what}: the gradient needs this input to be a constant, but '${t?.name}' is computed.`);
  const b = v.value.bytes;
  return Array.from(new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), Number);
}

/** Swaps the last two axes. */
const mT = (t: Tensor) => transpose(t, t.shape.map((_, i) => (i < t.rank - 2 ? i : 2 * t.rank - 3 - i)));

function matmulGrad(ctx: GradContext): (Tensor | null)[] {
  const a = ctx.x(0);
  const b = ctx.x(1);
  const dy = ctx.dy()!;
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`MatMul gradient (node '${ctx.node.name}') needs rank ≥ 2 operands; unsqueeze 1-D operands first.`);
  if (b.rank === 2 && a.rank > 2 && isStatic(a.shape)) {
    // Flatten the batch into rows: Gemm with transB avoids onnxruntime keeping a transposed copy of every frozen weight.
    const rows = reshapeTo(dy, [rowCount(dy), dy.shape[dy.rank - 1]]);
    const da = ctx.needs(0) ? reshapeTo(gemm(rows, b, null, { transB: true }), a.shape, a) : null;
    const db = ctx.needs(1) ? gemm(reshapeTo(a, [rowCount(a), a.shape[a.rank - 1]]), rows, null, { transA: true }) : null;
    return [da, db];
  }
  return [ctx.needs(0) ? matmul(dy, mT(b)) : null, ctx.needs(1) ? matmul(mT(a), dy) : null];
}

const rowCount = (t: Tensor) => (t.shape.slice(0, -1) as number[]).reduce((p, d) => p * d, 1);

function gemmGrad(ctx: GradContext): (Tensor | null)[] {
  const [a, b, dy] = [ctx.x(0), ctx.x(1), ctx.dy()!];
  const alpha = (attr(ctx, 'alpha')?.value as number | undefined) ?? 1;
  const beta = (attr(ctx, 'beta')?.value as number | undefined) ?? 1;
  const tA = intAttr(ctx, 'transA', 0) === 1;
  const tB = intAttr(ctx, 'transB', 0) === 1;
  // The input's gradient from its other consumers (the other products of a layer split by rows, a LoRA's down
  // projection beside the frozen weight) is the C operand of this one: no Sum pass over the input's gradient.
  const collected = (i: number) => ctx.takeCollected(i);
  const da = !ctx.needs(0) ? null : tA ? gemm(b, dy, collected(0), { alpha, transA: tB, transB: true }) : gemm(dy, b, collected(0), { alpha, transB: !tB });
  const db = !ctx.needs(1) ? null : tB ? gemm(dy, a, null, { alpha, transA: true, transB: tA }) : gemm(a, dy, null, { alpha, transA: !tA });
  const dc = ctx.node.inputs[2] && ctx.needs(2) ? (beta === 1 ? dy : mul(dy, beta)) : null;
  return [da, db, dc];
}

/** Axes a reduction node reduced over (input 1, or all axes when absent). */
function reducedAxes(ctx: GradContext): number[] {
  const x = ctx.x(0);
  const input = ctx.node.inputs[1];
  return input ? constInts(input, ctx.node.opType).map((a) => normalizeAxis(a, x.rank, ctx.node.opType)) : x.shape.map((_, i) => i);
}

/** dy of a reduction broadcast back to the input's shape. */
function spreadReduced(ctx: GradContext, d: Tensor): Tensor {
  const x = ctx.x(0);
  const kept = intAttr(ctx, 'keepdims', 1) === 1 ? d : unsqueeze(d, reducedAxes(ctx).sort((p, q) => p - q));
  return expand(kept, x.shape, x);
}

function reducedCount(ctx: GradContext): number {
  const x = ctx.x(0);
  return reducedAxes(ctx).reduce((n, a) => {
    const d = x.shape[a];
    if (typeof d !== 'number') throw new ShapeError(`ReduceMean gradient (node '${ctx.node.name}'): axis ${a} is named.`);
    return n * d;
  }, 1);
}

/** Whether `t` is a float constant whose every value is 1 (a norm without affine scale multiplies by it). */
function isConstantOnes(t: Tensor): boolean {
  const v = t.producer?.opType === 'Constant' ? t.producer.attrs.value : undefined;
  if (v?.type !== 'tensor' || (v.value.dtype !== 'float32' && v.value.dtype !== 'float64')) return false;
  const b = v.value.bytes;
  const values = v.value.dtype === 'float32' ? new Float32Array(b.slice().buffer) : new Float64Array(b.slice().buffer);
  return values.every((x) => x === 1);
}

function layerNormGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, scale, dy] = [ctx.x(0), ctx.x(1), ctx.dy()!];
  const eps = (attr(ctx, 'epsilon')?.value as number | undefined) ?? 1e-5;
  const first = normalizeAxis(intAttr(ctx, 'axis', -1), x.rank, 'LayerNormalization');
  const axes = x.shape.map((_, i) => i).filter((i) => i >= first);
  const mean = (t: Tensor) => reduceMean(t, axes, { keepdims: true });
  let xhat: Tensor;
  let invStd: Tensor;
  const [, stashedMean, stashedInvStd] = ctx.node.outputs;
  if (x.dtype === 'float32' && stashedMean && stashedInvStd) {
    // The forward node's own statistics (float32, as onnxruntime keeps them): two passes instead of ten nodes.
    invStd = stashedInvStd;
    xhat = mul(sub(x, stashedMean), invStd);
  } else {
    // Recomputed in the input's dtype: onnxruntime keeps its Mean/InvStdDev outputs in float32, too coarse for float64.
    const centered = sub(x, mean(x));
    invStd = div(1, pow(add(mean(mul(centered, centered)), eps), 0.5));
    xhat = mul(centered, invStd);
  }
  // A unit scale (LayerNorm without affine, as FLUX.2's) needs no pass over dy.
  const dxhat = isConstantOnes(scale) ? dy : mul(dy, scale);
  const dx = mul(invStd, sub(sub(dxhat, mean(dxhat)), mul(xhat, mean(mul(dxhat, xhat)))));
  return [dx, mul(dy, xhat), ctx.node.inputs[2] ? dy : null];
}

/**
 * onnxruntime's RMS norm (SimplifiedLayerNormalization): y = x·r·scale with r = 1/sqrt(mean(x²) + eps) over the axes
 * from `axis` on, so dx = r·(g − x̂·mean(g·x̂)) with g = dy·scale and x̂ = x·r, and dscale = dy·x̂.
 */
function rmsNormGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, scale, dy] = [ctx.x(0), ctx.x(1), ctx.dy()!];
  const eps = (attr(ctx, 'epsilon')?.value as number | undefined) ?? 1e-5;
  const first = normalizeAxis(intAttr(ctx, 'axis', -1), x.rank, 'SimplifiedLayerNormalization');
  const axes = x.shape.map((_, i) => i).filter((i) => i >= first);
  const mean = (t: Tensor) => reduceMean(t, axes, { keepdims: true });
  // float32 reuses the forward's 1/rms; float64 recomputes it (onnxruntime stashes it in float32).
  const stashed = ctx.node.outputs[1];
  const invRms = x.dtype === 'float32' && stashed?.dtype === 'float32' ? stashed : div(1, pow(add(mean(mul(x, x)), eps), 0.5));
  const xhat = mul(x, invRms);
  const g = mul(dy, scale);
  const dx = ctx.needs(0) ? mul(invRms, sub(g, mul(xhat, mean(mul(g, xhat))))) : null;
  return [dx, ctx.needs(1) ? mul(dy, xhat) : null];
}

function geluGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, dy] = [ctx.x(0), ctx.dy()!];
  if (attr(ctx, 'approximate')?.value === 'tanh') {
    const c = Math.sqrt(2 / Math.PI);
    const x2 = mul(x, x);
    const t = tanh(mul(mul(x, add(mul(x2, 0.044715), 1)), c));
    const dt = mul(sub(1, mul(t, t)), mul(add(mul(x2, 3 * 0.044715), 1), c));
    return [mul(dy, add(mul(add(t, 1), 0.5), mul(mul(x, dt), 0.5)))];
  }
  const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return [mul(dy, add(cdf, mul(x, pdf)))];
}

/**
 * QuickGelu y = x·s with s = sigmoid(a·x): dy/dx = s + a·x·s·(1 − s) = s + a·(y − y·s). The sigmoid is recomputed
 * (the forward node keeps only y): Sigmoid, Mul, Sub, Add and the Mul by dy, where a Sigmoid and Mul forward's
 * gradient takes six passes and its forward one more.
 */
function quickGeluGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, y, dy] = [ctx.x(0), ctx.y(), ctx.dy()!];
  const alpha = (attr(ctx, 'alpha')?.value as number | undefined) ?? 1.702;
  const s = sigmoid(alpha === 1 ? x : mul(x, alpha));
  const slope = sub(y, mul(y, s));
  return [mul(dy, add(s, alpha === 1 ? slope : mul(slope, alpha)))];
}

function sliceGrad(ctx: GradContext): (Tensor | null)[] {
  const x = ctx.x(0);
  const [starts, ends] = [constInts(ctx.node.inputs[1], 'Slice'), constInts(ctx.node.inputs[2], 'Slice')];
  const axes = ctx.node.inputs[3] ? constInts(ctx.node.inputs[3], 'Slice') : starts.map((_, i) => i);
  const steps = ctx.node.inputs[4] ? constInts(ctx.node.inputs[4], 'Slice') : starts.map(() => 1);
  if (steps.some((s) => s !== 1)) throw new Error(`Slice gradient (node '${ctx.node.name}'): only step 1 is supported; reshape and slice instead of striding.`);
  const pads = Array(2 * x.rank).fill(0);
  axes.forEach((a0, i) => {
    const a = normalizeAxis(a0, x.rank, 'Slice');
    const dim = x.shape[a] as number;
    const s = Math.min(Math.max(starts[i] < 0 ? starts[i] + dim : starts[i], 0), dim);
    const len = ctx.y().shape[a] as number;
    pads[a] = s;
    pads[a + x.rank] = dim - s - len;
  });
  return [pad(ctx.dy()!, pads), null, null, null, null];
}

function gatherGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, idx, dy] = [ctx.x(0), ctx.x(1), ctx.dy()!];
  const axis = normalizeAxis(intAttr(ctx, 'axis', 0), x.rank, 'Gather');
  // Move the index dims to the front, sum the rows of each index into a tensor shaped [x[axis], ...rest], move the
  // axis back.
  const r = idx.rank;
  const front = [...Array.from({ length: r }, (_, i) => axis + i), ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: x.rank - axis - 1 }, (_, i) => axis + r + i)];
  const updates = transpose(dy, front);
  const rows = x.shape[axis];
  const restShape = x.shape.filter((_, i) => i !== axis);
  const back = Array.from({ length: x.rank }, (_, i) => (i < axis ? i + 1 : i === axis ? 0 : i));
  let summed: Tensor;
  const restDims = restShape.filter((d): d is number => typeof d === 'number');
  if (typeof rows === 'number' && restDims.length === restShape.length) {
    // onnxruntime's CPU ScatterND with reduction 'add' shares the updates between intra-op threads without guarding
    // rows that several updates add to: with two threads and many repeated indices (the bytes and words of a batch
    // of captions) its sums came out different on every run and far from the true ones. The sum is therefore
    // one product, onehot(indices)ᵀ · updates: exact, and the same on every run and thread count.
    const width = restDims.reduce((a, b) => a * b, 1);
    const i64 = reshape(cast(idx, 'int64'), [-1]);
    const wrapped = where(less(i64, 0), add(i64, rows), i64);
    const hot = cast(equal(unsqueeze(wrapped, [1]), int64s(x.graph, Array.from({ length: rows }, (_, i) => i))), x.dtype);
    summed = reshape(gemm(hot, reshape(updates, [-1, width]), null, { transA: true }), [rows, ...restDims]);
  } else {
    // Named sizes (no gathered weight has them): onnxruntime's ScatterND, exact at one intra-op thread only.
    const zeros = expand(x.graph.constant(x.dtype, [], [0]), [rows, ...restShape]);
    summed = scatterND(zeros, unsqueeze(cast(idx, 'int64'), [-1]), updates, 'add');
  }
  return [transpose(summed, back), null];
}

function convGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, w, dy] = [ctx.x(0), ctx.x(1), ctx.dy()!];
  const spatial = x.rank - 2;
  const strides = intsAttr(ctx, 'strides') ?? Array(spatial).fill(1);
  const pads = intsAttr(ctx, 'pads') ?? Array(2 * spatial).fill(0);
  const dilations = intsAttr(ctx, 'dilations') ?? Array(spatial).fill(1);
  const group = intAttr(ctx, 'group', 1);
  const kernel = w.shape.slice(2) as number[];
  let dx: Tensor | null = null;
  if (ctx.needs(0)) {
    const outputPadding = kernel.map((k, i) => (x.shape[i + 2] as number) -
      (strides[i] * ((dy.shape[i + 2] as number) - 1) + (k - 1) * dilations[i] + 1 - pads[i] - pads[i + spatial]));
    dx = convTranspose(dy, w, null, { strides, pads, dilations, group, outputPadding });
  }
  const dw = ctx.needs(1) ? weightGradByConv(ctx, transposeNC(x), transposeNC(dy), pads, strides, dilations, kernel, group) : null;
  const db = ctx.node.inputs[2] && ctx.needs(2) ? reduceSum(dy, [0, ...kernel.map((_, i) => i + 2)]) : null;
  return [dx, dw, db];
}

function convTransposeGrad(ctx: GradContext): (Tensor | null)[] {
  const [x, w, dy] = [ctx.x(0), ctx.x(1), ctx.dy()!];
  const spatial = x.rank - 2;
  const strides = intsAttr(ctx, 'strides') ?? Array(spatial).fill(1);
  const pads = intsAttr(ctx, 'pads') ?? Array(2 * spatial).fill(0);
  const dilations = intsAttr(ctx, 'dilations') ?? Array(spatial).fill(1);
  const group = intAttr(ctx, 'group', 1);
  const kernel = w.shape.slice(2) as number[];
  const dx = ctx.needs(0) ? conv(dy, w, null, { strides, pads, dilations, group }) : null;
  // dW[c, m, k] = Σ x[n, c, i] · dy[n, m, i·s + k·d − p]: the same correlation as Conv's weight gradient with roles swapped.
  const dw = ctx.needs(1) ? weightGradByConv(ctx, transposeNC(dy), transposeNC(x), pads, strides, dilations, kernel, group) : null;
  const db = ctx.node.inputs[2] && ctx.needs(2) ? reduceSum(dy, [0, ...kernel.map((_, i) => i + 2)]) : null;
  return [dx, dw, db];
}

const transposeNC = (t: Tensor) => transpose(t, [1, 0, ...t.shape.slice(2).map((_, i) => i + 2)]);

/**
 * Correlates `input` [C, N, ...] with `filter` [O, N, ...] (stride and dilation swapped) and returns [O, C, ...kernel]:
 * Conv's weight gradient, or with the roles of x and dy swapped, ConvTranspose's. The correlation can overshoot
 * the kernel by the stride remainder, so it is sliced.
 */
function weightGradByConv(ctx: GradContext, input: Tensor, filter: Tensor, pads: number[], strides: number[], dilations: number[], kernel: number[], group: number): Tensor {
  if (group !== 1) throw new Error(`${ctx.node.opType} weight gradient (node '${ctx.node.name}'): only group = 1 is supported.`);
  const full = conv(input, filter, null, { strides: dilations, dilations: strides, pads });
  const cut = slice(full, kernel.map(() => 0), kernel, kernel.map((_, i) => i + 2));
  return transposeNC(cut);
}

const none: GradRule = () => [];

export const GRAD_RULES: Record<string, GradRule | null> = {
  Add: (c) => [c.dy(), c.dy()],
  Sub: (c) => [c.dy(), neg(c.dy()!)],
  Mul: (c) => [mul(c.dy()!, c.x(1)), mul(c.dy()!, c.x(0))],
  Div: (c) => [div(c.dy()!, c.x(1)), neg(div(mul(c.dy()!, c.y()), c.x(1)))],
  Neg: (c) => [neg(c.dy()!)],
  Pow: (c) => [mul(c.dy()!, mul(c.x(1), pow(c.x(0), sub(c.x(1), 1)))), c.needs(1) ? mul(c.dy()!, mul(c.y(), log(c.x(0)))) : null],
  Sqrt: (c) => [div(mul(c.dy()!, 0.5), c.y())],
  Reciprocal: (c) => [neg(mul(c.dy()!, mul(c.y(), c.y())))],
  Exp: (c) => [mul(c.dy()!, c.y())],
  Log: (c) => [div(c.dy()!, c.x(0))],
  Tanh: (c) => [mul(c.dy()!, sub(1, mul(c.y(), c.y())))],
  Sigmoid: (c) => [mul(c.dy()!, mul(c.y(), sub(1, c.y())))],
  Erf: (c) => [mul(c.dy()!, mul(exp(neg(mul(c.x(0), c.x(0)))), 2 / Math.sqrt(Math.PI)))],
  Sin: (c) => [mul(c.dy()!, cos(c.x(0)))],
  Cos: (c) => [neg(mul(c.dy()!, sin(c.x(0))))],
  Relu: (c) => [where(greater(c.x(0), 0), c.dy()!, 0)],
  Abs: (c) => [where(less(c.x(0), 0), neg(c.dy()!), c.dy()!)],
  Max: (c) => [where(not(less(c.x(0), c.x(1))), c.dy()!, 0), where(less(c.x(0), c.x(1)), c.dy()!, 0)],
  Min: (c) => [where(not(greater(c.x(0), c.x(1))), c.dy()!, 0), where(greater(c.x(0), c.x(1)), c.dy()!, 0)],
  Gelu: geluGrad,
  QuickGelu: quickGeluGrad,
  Softmax: (c) => {
    const axis = intAttr(c, 'axis', -1);
    const yd = mul(c.dy()!, c.y());
    return [sub(yd, mul(c.y(), reduceSum(yd, [axis], { keepdims: true })))];
  },
  LayerNormalization: layerNormGrad,
  SimplifiedLayerNormalization: rmsNormGrad,
  MatMul: matmulGrad,
  Gemm: gemmGrad,
  ReduceSum: (c) => [spreadReduced(c, c.dy()!), null],
  ReduceMean: (c) => [div(spreadReduced(c, c.dy()!), reducedCount(c)), null],
  ReduceSumSquare: (c) => [mul(spreadReduced(c, c.dy()!), mul(c.x(0), 2)), null],
  ReduceMax: (c) => [where(equal(c.x(0), spreadReduced(c, c.y())), spreadReduced(c, c.dy()!), 0), null],
  Reshape: (c) => [reshapeTo(c.dy()!, c.x(0).shape, c.x(0)), null],
  Transpose: (c) => {
    const perm = intsAttr(c, 'perm') ?? c.x(0).shape.map((_, i) => c.x(0).rank - 1 - i);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(c.dy()!, inverse)];
  },
  Concat: (c) => {
    const axis = intAttr(c, 'axis', 0);
    // Named lengths along the axis are read from the inputs at run time.
    return c.node.inputs.length === 1 ? [c.dy()] : splitAs(c.dy()!, c.node.inputs.map((t) => t!), axis);
  },
  Split: (c) => [concat(c.node.outputs.map((_, i) => dyOrZero(c, i)), intAttr(c, 'axis', 0)), null],
  Slice: sliceGrad,
  RotaryEmbedding: (c) => {
    if (c.needs(2) || c.needs(3)) throw new Error(`RotaryEmbedding gradient (node '${c.node.name}'): only the rotated input has one; its angles must not depend on trained tensors.`);
    return [rotateBack(c.dy()!, c.x(1), c.x(2), c.x(3)), null, null, null];
  },
  Gather: gatherGrad,
  Unsqueeze: (c) => [squeeze(c.dy()!, constInts(c.node.inputs[1], 'Unsqueeze')), null],
  Squeeze: (c) => [reshapeTo(c.dy()!, c.x(0).shape, c.x(0)), null],
  Expand: (c) => [c.dy(), null],
  Where: (c) => [null, where(c.x(0), c.dy()!, 0), where(c.x(0), 0, c.dy()!)],
  Cast: (c) => [c.needs(0) ? cast(c.dy()!, c.x(0).dtype) : null],
  Identity: (c) => [c.dy()],
  Sum: (c) => c.node.inputs.map(() => c.dy()),
  Pad: (c) => {
    const x = c.x(0);
    const pads = constInts(c.node.inputs[1], 'Pad');
    return [slice(c.dy()!, pads.slice(0, x.rank), x.shape.map((d, i) => pads[i] + (d as number))), null, null];
  },
  Conv: convGrad,
  ConvTranspose: convTransposeGrad,
  Constant: none,
  Shape: null,
  Equal: null,
  Greater: null,
  Less: null,
  And: null,
  Or: null,
  Not: null,
  IsNaN: null,
  IsInf: null,
};
