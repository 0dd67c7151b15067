// Linear algebra and neural-network ops, plus the composed pieces (RMS norm, attention) that ONNX
// opset 20 has no single op for.

import { float, int, ints, type Tensor } from '../graph';
import { convOutDim, convTransposeOutDim, formatShape, isStatic, matmulShape, normalizeAxis, ShapeError, type Dim } from '../shape';
import { dtypeOf, single } from './common';
import { add, div, mul, sqrt, sub } from './elementwise';
import { reduceMean } from './reduce';
import { concat, reshape, split, transpose } from './layout';

export function matmul(a: Tensor, b: Tensor): Tensor {
  return single(a.graph, 'MatMul', [a, b], {}, dtypeOf('MatMul', [a, b]), matmulShape(a.shape, b.shape));
}

export interface GemmOptions {
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

/** alpha·op(A)·op(B) + beta·C for 2-D A and B (ONNX Gemm). */
export function gemm(a: Tensor, b: Tensor, c: Tensor | null = null, opts: GemmOptions = {}): Tensor {
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`Gemm: A ${a} and B ${b} must be 2-D.`);
  const [m, ka] = opts.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = opts.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new ShapeError(`Gemm: inner dims differ: ${a} × ${b} (transA ${!!opts.transA}, transB ${!!opts.transB}).`);
  }
  const attrs = {
    alpha: float(opts.alpha ?? 1),
    beta: float(opts.beta ?? 1),
    transA: int(opts.transA ? 1 : 0),
    transB: int(opts.transB ? 1 : 0),
  };
  return single(a.graph, 'Gemm', c ? [a, b, c] : [a, b], attrs, dtypeOf('Gemm', c ? [a, b, c] : [a, b]), [m, n]);
}

/**
 * x · Wᵀ + b with W stored [out, in] as in PyTorch checkpoints. Static shapes go through Gemm(transB): neither
 * direction of the pass then needs a transposed copy of W (onnxruntime would keep one per frozen weight).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (x.rank >= 2 && isStatic(x.shape)) {
    const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const flat = x.rank === 2 ? x : reshape(x, [rows, x.shape[x.rank - 1]]);
    const y = gemm(flat, weight, bias ?? null, { transB: true });
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), weight.shape[0] as number]);
  }
  const y = matmul(x, transpose(weight));
  return bias ? add(y, bias) : y;
}

/**
 * LoRA-adapted linear: x·Wᵀ + b + scale·(x·Aᵀ)·Bᵀ with W [out, in], A [rank, in], B [out, rank].
 * With static shapes the LoRA branch (plus bias) is the C operand of the frozen weight's Gemm, so neither the
 * forward nor the backward pass has a separate full-size Add or Mul.
 */
export function loraLinear(x: Tensor, weight: Tensor, bias: Tensor | null, loraA: Tensor, loraB: Tensor, scale = 1): Tensor {
  if (x.rank < 2 || !isStatic(x.shape)) return add(linear(x, weight, bias), mul(linear(linear(x, loraA), loraB), scale));
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const flat = x.rank === 2 ? x : reshape(x, [rows, x.shape[x.rank - 1]]);
  const up = gemm(gemm(flat, loraA, null, { transB: true }), loraB, bias, { transB: true, alpha: scale });
  const y = gemm(flat, weight, up, { transB: true });
  return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), weight.shape[0] as number]);
}

/** A plain LoRA update scale·(x·Aᵀ)·Bᵀ with A (down) [rank, in] and B (up) [out, rank]. */
export interface LoraFactors {
  down: Tensor;
  up: Tensor;
  scale: number;
}

/**
 * x·Wᵀ (plus a LoRA update) handed back as the column blocks `sizes` (row ranges of W [out, in]) without forming the
 * whole output: one Gemm per range, so there is neither a Split of the output nor, in the backward pass, a Concat of
 * its gradient (each a copy of the whole output). The weight's rows are split instead, where that copy is the
 * smaller one (see weightCopyIsSmaller); otherwise, and with named shapes, the whole product is split.
 */
export function linearRows(x: Tensor, weight: Tensor, sizes: readonly number[], lora?: LoraFactors): Tensor[] {
  if (!weightCopyIsSmaller(x, weight.shape[1])) {
    const y = lora ? add(linear(x, weight), mul(linear(linear(x, lora.down), lora.up), lora.scale)) : linear(x, weight);
    return split(y, sizes, -1);
  }
  const lead = x.shape.slice(0, -1) as number[];
  const flat = x.rank === 2 ? x : reshape(x, [lead.reduce((a, b) => a * b, 1), x.shape[x.rank - 1] as number]);
  const low = lora && gemm(flat, lora.down, null, { transB: true });
  const ups = lora && split(lora.up, sizes, 0);
  return split(weight, sizes, 0).map((w, i) => {
    const up = low ? gemm(low, ups![i]!, null, { transB: true, alpha: lora!.scale }) : null;
    const y = gemm(flat, w, up, { transB: true });
    return x.rank === 2 ? y : reshape(y, [...lead, sizes[i]!]);
  });
}

/**
 * Whether splitting the weight copies less than splitting the activation and concatenating its gradient back (two
 * copies of rows × the shared width): true when W's other dimension (`side`: in-features for row ranges,
 * out-features for joined inputs) is under twice x's rows (batch × tokens).
 */
function weightCopyIsSmaller(x: Tensor, side: Dim | undefined): boolean {
  if (x.rank < 2 || !isStatic(x.shape) || typeof side !== 'number') return false;
  const rows = (x.shape.slice(0, -1) as number[]).reduce((a, b) => a * b, 1);
  return side < 2 * rows;
}

/**
 * concat(xs, -1)·Wᵀ (plus a LoRA update) without the Concat: each input meets its own columns of W [out, Σ in] in a
 * Gemm whose C operand is the previous input's product, so neither the joined input nor, in the backward pass, a
 * Split of its gradient is copied. The weight's columns are split instead, where that copy is the smaller one;
 * otherwise, and with named shapes, the inputs are joined.
 */
export function linearJoined(xs: readonly Tensor[], weight: Tensor, lora?: LoraFactors): Tensor {
  const widths = xs.map((t) => t.shape[t.rank - 1]);
  if (xs.length < 2 || xs.some((t) => !weightCopyIsSmaller(t, weight.shape[0]))) {
    const joined = xs.length === 1 ? xs[0]! : concat(xs, -1);
    return lora ? loraLinear(joined, weight, null, lora.down, lora.up, lora.scale) : linear(joined, weight);
  }
  const lead = xs[0]!.shape.slice(0, -1) as number[];
  const rows = lead.reduce((a, b) => a * b, 1);
  const flats = xs.map((t) => (t.rank === 2 ? t : reshape(t, [rows, t.shape[t.rank - 1] as number])));
  const sizes = widths as number[];
  const chain = (parts: Tensor[], start: Tensor | null) => parts.reduce<Tensor | null>((c, w, i) => gemm(flats[i]!, w, c, { transB: true }), start)!;
  const up = lora ? gemm(chain(split(lora.down, sizes, 1), null), lora.up, null, { transB: true, alpha: lora.scale }) : null;
  const y = chain(split(weight, sizes, 1), up);
  return xs[0]!.rank === 2 ? y : reshape(y, [...lead, weight.shape[0] as number]);
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return single(x.graph, 'Softmax', [x], { axis: int(normalizeAxis(axis, x.rank, 'Softmax')) }, x.dtype, x.shape);
}

export interface NormOptions {
  epsilon?: number;
}

/**
 * Layer normalization over the last axis (ONNX LayerNormalization). In float64 it is composed from
 * primitives, because onnxruntime's float64 kernel keeps its statistics in float32.
 */
export function layerNorm(x: Tensor, scale: Tensor | null, bias: Tensor | null, opts: NormOptions = {}): Tensor {
  const eps = opts.epsilon ?? 1e-5;
  if (x.dtype === 'float64' || !scale) {
    const mean = reduceMean(x, [-1], { keepdims: true });
    const centered = sub(x, mean);
    const variance = reduceMean(mul(centered, centered), [-1], { keepdims: true });
    let y = div(centered, sqrt(add(variance, eps)));
    if (scale) y = mul(y, scale);
    return bias ? add(y, bias) : y;
  }
  const inputs = bias ? [x, scale, bias] : [x, scale];
  // Mean and InvStdDev are declared as outputs so the backward pass reuses them instead of recomputing both.
  const [y] = x.graph.addNode('LayerNormalization', inputs, { axis: int(-1), epsilon: float(eps) }, [
    { dtype: x.dtype, shape: x.shape }, ...normStatistics(x), ...normStatistics(x),
  ]);
  return y!;
}

/** The per-row statistic a normalization over the last axis stashes ([..., 1], float32 as onnxruntime keeps it). */
function normStatistics(x: Tensor): { dtype: 'float32'; shape: Dim[] }[] {
  return [{ dtype: 'float32', shape: [...x.shape.slice(0, -1), 1] }];
}

/**
 * RMS normalization over the last axis: x / sqrt(mean(x²) + eps) · scale. With a scale in float32 or float64 it is
 * onnxruntime's one SimplifiedLayerNormalization node (one pass instead of six, and a backward pass of seven nodes
 * that reuses its 1/rms instead of differentiating the composition); its 1/rms output is declared for that reuse.
 */
export function rmsNorm(x: Tensor, scale: Tensor | null, opts: NormOptions = {}): Tensor {
  const eps = opts.epsilon ?? 1e-6;
  if (scale && scale.dtype === x.dtype && (x.dtype === 'float32' || x.dtype === 'float64')) {
    const attrs = { axis: int(-1), epsilon: float(eps) };
    return x.graph.addNode('SimplifiedLayerNormalization', [x, scale], attrs, [{ dtype: x.dtype, shape: x.shape }, ...normStatistics(x)])[0]!;
  }
  const meanSquare = reduceMean(mul(x, x), [-1], { keepdims: true });
  const y = div(x, sqrt(add(meanSquare, eps)));
  return scale ? mul(y, scale) : y;
}

/**
 * softmax(q·kᵀ·scale + mask)·v over the last two axes; q [..., Nq, D], k and v [..., Nk, D].
 * `mask` is added to the logits (use large negatives to hide positions).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: { scale?: number; mask?: Tensor } = {}): Tensor {
  const d = q.shape[q.rank - 1];
  if (opts.scale === undefined && typeof d !== 'number') throw new ShapeError('attention: head dim is named; pass scale.');
  const perm = k.shape.map((_, i) => (i < k.rank - 2 ? i : i === k.rank - 2 ? k.rank - 1 : k.rank - 2));
  let logits = mul(matmul(q, transpose(k, perm)), opts.scale ?? 1 / Math.sqrt(d as number));
  if (opts.mask) logits = add(logits, opts.mask);
  return matmul(softmax(logits, -1), v);
}

export interface ConvOptions {
  strides?: readonly number[];
  pads?: readonly number[];
  dilations?: readonly number[];
  group?: number;
}

function convAttrs(spatial: number, opts: ConvOptions & { outputPadding?: readonly number[] }, kernel: readonly number[]) {
  const strides = opts.strides ?? Array(spatial).fill(1);
  const pads = opts.pads ?? Array(2 * spatial).fill(0);
  const dilations = opts.dilations ?? Array(spatial).fill(1);
  const attrs = {
    kernel_shape: ints(kernel), strides: ints(strides), pads: ints(pads), dilations: ints(dilations), group: int(opts.group ?? 1),
    ...(opts.outputPadding ? { output_padding: ints(opts.outputPadding) } : {}),
  };
  return { strides, pads, dilations, attrs };
}

/** N-D convolution: x [N, C, ...spatial], w [M, C/group, ...kernel]. */
export function conv(x: Tensor, w: Tensor, b: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  const spatial = x.rank - 2;
  const kernel = w.shape.slice(2) as number[];
  if (w.rank !== x.rank || kernel.some((k) => typeof k !== 'number')) throw new ShapeError(`Conv: weight ${w} does not fit input ${x}.`);
  const { strides, pads, dilations, attrs } = convAttrs(spatial, opts, kernel);
  const out: Dim[] = [x.shape[0], w.shape[0]];
  for (let i = 0; i < spatial; i++) out.push(convOutDim(x.shape[i + 2], kernel[i], strides[i], pads[i], pads[i + spatial], dilations[i]));
  return single(x.graph, 'Conv', b ? [x, w, b] : [x, w], attrs, dtypeOf('Conv', [x, w]), out);
}

/** Transposed convolution: x [N, C, ...spatial], w [C, M/group, ...kernel]. */
export function convTranspose(x: Tensor, w: Tensor, b: Tensor | null = null, opts: ConvOptions & { outputPadding?: readonly number[] } = {}): Tensor {
  const spatial = x.rank - 2;
  const kernel = w.shape.slice(2) as number[];
  if (w.rank !== x.rank || kernel.some((k) => typeof k !== 'number')) {
    throw new ShapeError(`ConvTranspose: weight ${w} does not fit input ${x} (${formatShape(kernel)}).`);
  }
  const { strides, pads, dilations, attrs } = convAttrs(spatial, opts, kernel);
  const outPad = opts.outputPadding ?? Array(spatial).fill(0);
  const group = opts.group ?? 1;
  const out: Dim[] = [x.shape[0], typeof w.shape[1] === 'number' ? w.shape[1] * group : w.shape[1]];
  for (let i = 0; i < spatial; i++) {
    out.push(convTransposeOutDim(x.shape[i + 2], kernel[i], strides[i], pads[i], pads[i + spatial], dilations[i], outPad[i]));
  }
  return single(x.graph, 'ConvTranspose', b ? [x, w, b] : [x, w], attrs, dtypeOf('ConvTranspose', [x, w]), out);
}
