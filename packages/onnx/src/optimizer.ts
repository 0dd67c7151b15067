// AdamW inside the graph. Trainable tensors are packed into one flat input (plus one flat buffer per Adam
// moment): a few large transfers per step instead of hundreds of small ones, and a much smaller graph.

import { gradients } from './autodiff';
import type { DType } from './dtype';
import { Graph, type Tensor } from './graph';
import {
  add, and, concat, div, expand, isInf, isNaN, min, mul, not, pow, reduceSumSquare, reshape, slice, sqrt, sub, where,
} from './ops';

export interface ParameterSpec {
  name: string;
  shape: readonly number[];
}

export interface PackEntry extends ParameterSpec {
  offset: number;
  size: number;
}

export interface PackLayout {
  total: number;
  entries: readonly PackEntry[];
}

export interface PackedParameters {
  /** Name of the flat graph input (and prefix of its moments and outputs). */
  name: string;
  flat: Tensor;
  /** Each trainable tensor as a view (Slice + Reshape) of the flat input, by name. */
  tensors: Map<string, Tensor>;
  layout: PackLayout;
}

export function packLayout(specs: readonly ParameterSpec[]): PackLayout {
  let offset = 0;
  const entries = specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const e = { name: s.name, shape: s.shape, offset, size };
    offset += size;
    return e;
  });
  return { total: offset, entries };
}

/** Declares the flat input `name` holding all `specs`, and returns a view per tensor. */
export function packParameters(g: Graph, name: string, specs: readonly ParameterSpec[], dtype: DType = 'float32'): PackedParameters {
  const layout = packLayout(specs);
  const flat = g.input(name, dtype, [layout.total]);
  const tensors = new Map<string, Tensor>();
  g.scope(name, () => {
    for (const e of layout.entries) {
      if (tensors.has(e.name)) throw new Error(`packParameters: '${e.name}' is listed twice.`);
      tensors.set(e.name, reshape(slice(flat, [e.offset], [e.offset + e.size], [0]), e.shape));
    }
  });
  return { name, flat, tensors, layout };
}

/** Packs named values into one flat array following `layout` (missing names are an error). */
export function packValues(layout: PackLayout, values: Record<string, ArrayLike<number>>): Float32Array {
  const out = new Float32Array(layout.total);
  for (const e of layout.entries) {
    const v = values[e.name];
    if (!v || v.length !== e.size) throw new Error(`packValues: '${e.name}' needs ${e.size} values, got ${v?.length ?? 'none'}.`);
    out.set(v, e.offset);
  }
  return out;
}

export function unpackValues(layout: PackLayout, flat: Float32Array): Record<string, Float32Array> {
  return Object.fromEntries(layout.entries.map((e) => [e.name, flat.slice(e.offset, e.offset + e.size)]));
}

export interface AdamWOptions {
  /** Decoupled weight decay (AdamW), applied as p −= lr·wd·p. Default 0.01. */
  weightDecay?: number;
  eps?: number;
  /** Clip the global gradient norm to this value; null/undefined = no clipping. */
  clipNorm?: number | null;
  /**
   * fp16 loss scaling: a 'loss_scale' input seeds the backward pass, gradients are divided by it, and a step with
   * non-finite gradients leaves parameters and moments unchanged (output 'grad_finite' says so).
   */
  lossScaling?: boolean;
}

/** Names of a training graph's inputs and outputs, for feeding and reading. */
export interface TrainStepIO {
  layout: PackLayout;
  params: string;
  m: string;
  v: string;
  paramsOut: string;
  mOut: string;
  vOut: string;
  /** null for the apply-update graph, which computes no loss. */
  loss: string | null;
  gradNorm: string;
  gradFinite: string | null;
  lossScale: string | null;
  gradAcc: string | null;
  gradAccOut: string | null;
  gradScale: string | null;
  /** Optional per-row loss output ([B]) that the caller's forward graph declared; read back with the loss. */
  rowLoss?: string | null;
}

interface Hyper {
  step: Tensor;
  lr: Tensor;
  beta1: Tensor;
  beta2: Tensor;
}

function hyperInputs(g: Graph): Hyper {
  return {
    step: g.input('step', 'float32', []),
    lr: g.input('lr', 'float32', []),
    beta1: g.input('beta1', 'float32', []),
    beta2: g.input('beta2', 'float32', []),
  };
}

function flatGradient(loss: Tensor, pack: PackedParameters, seed?: Tensor): Tensor {
  const views = [...pack.tensors.values()];
  const grads = gradients(loss, views, seed ? { seed: expand(seed, loss.shape) } : {});
  return loss.graph.scope(`${pack.name}.grad`, () => concat(grads.map((d) => reshape(d, [-1])), 0));
}

/**
 * AdamW on flat buffers. Returns updated params and moments, the pre-clip gradient norm, and whether the
 * gradient was finite (non-finite steps keep the old values).
 *
 * Every scalar factor is folded before it meets a full-size buffer: the clip factor into the moments' (1 − β)
 * weights, and the bias corrections into the step size and eps, as PyTorch's AdamW does it:
 * p·(1 − lr·wd) − lr·m̂/(√v̂ + eps) = p·(1 − lr·wd) − (lr·√c₂/c₁)·m/(√v + eps·√c₂) with c = 1 − βᵗ. That is 14 passes
 * over the parameters instead of 18. The last node of each result writes the graph output itself (no Identity copy).
 */
function adamwUpdate(p: Tensor, grad: Tensor, m: Tensor, v: Tensor, h: Hyper, opts: AdamWOptions, names: OutputNames) {
  const g = p.graph;
  return g.scope('adamw', () => {
    const norm = sqrt(reduceSumSquare(grad));
    const clip = opts.clipNorm != null ? min(1, div(opts.clipNorm, add(norm, 1e-6))) : null;
    const mWeight = clip ? mul(sub(1, h.beta1), clip) : sub(1, h.beta1);
    const vWeight = clip ? mul(sub(1, h.beta2), mul(clip, clip)) : sub(1, h.beta2);
    const final = !opts.lossScaling;
    const m1 = named(final && names.m, 'Add', mul(h.beta1, m), mul(mWeight, grad));
    const v1 = named(final && names.v, 'Add', mul(h.beta2, v), mul(vWeight, mul(grad, grad)));
    const root2 = sqrt(sub(1, pow(h.beta2, h.step)));
    const stepSize = div(mul(h.lr, root2), sub(1, pow(h.beta1, h.step)));
    const direction = div(m1, add(sqrt(v1), mul(opts.eps ?? 1e-8, root2)));
    const p1 = named(final && names.p, 'Sub', mul(p, sub(1, mul(h.lr, opts.weightDecay ?? 0.01))), mul(stepSize, direction));
    if (final) return { p1, m1, v1, norm, finite: null };
    const finite = and(not(isNaN(norm)), not(isInf(norm)));
    return { p1: named(names.p, 'Where', finite, p1, p), m1: named(names.m, 'Where', finite, m1, m), v1: named(names.v, 'Where', finite, v1, v), norm, finite };
  });
}

interface OutputNames {
  p: string;
  m: string;
  v: string;
}

const outputNames = (name: string): OutputNames => ({ p: `${name}.out`, m: `${name}.m.out`, v: `${name}.v.out` });

/** A full-size node whose output is named `name` (a graph output), or an unnamed one when `name` is false. */
function named(name: string | false, op: 'Add' | 'Sub' | 'Where', ...inputs: Tensor[]): Tensor {
  const full = inputs[inputs.length - 1]!;
  if (!name) return op === 'Add' ? add(inputs[0]!, full) : op === 'Sub' ? sub(inputs[0]!, full) : where(inputs[0]!, inputs[1]!, full);
  return full.graph.addNode(op, inputs, {}, [{ dtype: full.dtype, shape: full.shape }], { outputNames: [name] })[0]!;
}

function declareOutputs(g: Graph, name: string, loss: Tensor | null, r: ReturnType<typeof adamwUpdate>): void {
  const names = outputNames(name);
  if (loss) g.output(loss, 'loss');
  g.output(r.p1, names.p);
  g.output(r.m1, names.m);
  g.output(r.v1, names.v);
  g.output(r.norm, 'grad_norm');
  if (r.finite) g.output(r.finite, 'grad_finite');
}

function io(layout: PackLayout, name: string, opts: AdamWOptions, extra: Partial<TrainStepIO> = {}): TrainStepIO {
  return {
    layout, params: name, m: `${name}.m`, v: `${name}.v`, paramsOut: outputNames(name).p, mOut: outputNames(name).m, vOut: outputNames(name).v,
    loss: 'loss', gradNorm: 'grad_norm', gradFinite: opts.lossScaling ? 'grad_finite' : null,
    lossScale: opts.lossScaling ? 'loss_scale' : null, gradAcc: null, gradAccOut: null, gradScale: null, ...extra,
  };
}

/** Turns a forward graph with a scalar `loss` into one full training step (forward, backward, AdamW). */
export function addAdamWStep(loss: Tensor, pack: PackedParameters, opts: AdamWOptions = {}): TrainStepIO {
  const g = loss.graph;
  const m = g.input(`${pack.name}.m`, pack.flat.dtype, pack.flat.shape);
  const v = g.input(`${pack.name}.v`, pack.flat.dtype, pack.flat.shape);
  const h = hyperInputs(g);
  const lossScale = opts.lossScaling ? g.input('loss_scale', loss.dtype, []) : undefined;
  let grad = flatGradient(loss, pack, lossScale);
  if (lossScale) grad = div(grad, lossScale);
  declareOutputs(g, pack.name, loss, adamwUpdate(pack.flat, grad, m, v, h, opts, outputNames(pack.name)));
  return io(pack.layout, pack.name, opts);
}

/**
 * Gradient accumulation, part 1: a graph that adds this micro-batch's gradient to the input
 * `<name>.grad_acc` and returns it as `<name>.grad_acc.out` (with loss scaling, still scaled).
 */
export function addGradientAccumulation(loss: Tensor, pack: PackedParameters, opts: Pick<AdamWOptions, 'lossScaling'> = {}): TrainStepIO {
  const g = loss.graph;
  const acc = g.input(`${pack.name}.grad_acc`, pack.flat.dtype, pack.flat.shape);
  const lossScale = opts.lossScaling ? g.input('loss_scale', loss.dtype, []) : undefined;
  g.output(loss, 'loss');
  g.output(add(acc, flatGradient(loss, pack, lossScale)), `${pack.name}.grad_acc.out`);
  return io(pack.layout, pack.name, opts, { gradAcc: `${pack.name}.grad_acc`, gradAccOut: `${pack.name}.grad_acc.out` });
}

/**
 * Gradient accumulation, part 2: a separate graph applying AdamW to `<name>.grad_acc` × `grad_scale`
 * (1 / (micro-batches × loss scale)).
 */
export function buildApplyUpdateGraph(layout: PackLayout, name: string, opts: AdamWOptions = {}): { graph: Graph; io: TrainStepIO } {
  const g = new Graph(`${name}.apply_update`);
  const p = g.input(name, 'float32', [layout.total]);
  const m = g.input(`${name}.m`, 'float32', [layout.total]);
  const v = g.input(`${name}.v`, 'float32', [layout.total]);
  const acc = g.input(`${name}.grad_acc`, 'float32', [layout.total]);
  const scale = g.input('grad_scale', 'float32', []);
  const h = hyperInputs(g);
  declareOutputs(g, name, null, adamwUpdate(p, mul(acc, scale), m, v, h, opts, outputNames(name)));
  return { graph: g, io: io(layout, name, opts, { gradAcc: `${name}.grad_acc`, gradScale: 'grad_scale', loss: null }) };
}
