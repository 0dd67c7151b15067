// Host-side state of a training run (flat params, Adam moments, step count) and one call per step that
// feeds the graph and swaps in the updated buffers.

import type { EngineSession } from './session';
import { hostTensor } from './session';
import type { PackLayout, TrainStepIO } from './optimizer';
import type * as ort from 'onnxruntime-node';

export interface Hyperparameters {
  lr: number;
  beta1?: number;
  beta2?: number;
  lossScale?: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** False when loss scaling found non-finite gradients and skipped the update. */
  applied: boolean;
  ms: number;
  /** Each row's loss, where the step graph declares `io.rowLoss`. */
  rowLoss: Float32Array | null;
}

export class TrainState {
  constructor(
    readonly layout: PackLayout,
    public params: Float32Array,
    public m: Float32Array,
    public v: Float32Array,
    /** Optimizer steps taken so far; the next step uses step + 1 for bias correction. */
    public step: number,
  ) {}

  static init(layout: PackLayout, params: Float32Array): TrainState {
    if (params.length !== layout.total) throw new Error(`TrainState: expected ${layout.total} parameters, got ${params.length}.`);
    return new TrainState(layout, params, new Float32Array(layout.total), new Float32Array(layout.total), 0);
  }
}

function hyperFeeds(io: TrainStepIO, state: TrainState, h: Hyperparameters): Record<string, ort.Tensor> {
  const scalar = (x: number) => hostTensor('float32', [], [x]);
  const feeds: Record<string, ort.Tensor> = {
    [io.params]: hostTensor('float32', [state.layout.total], state.params),
    [io.m]: hostTensor('float32', [state.layout.total], state.m),
    [io.v]: hostTensor('float32', [state.layout.total], state.v),
    step: scalar(state.step + 1),
    lr: scalar(h.lr),
    beta1: scalar(h.beta1 ?? 0.9),
    beta2: scalar(h.beta2 ?? 0.999),
  };
  if (io.lossScale) feeds[io.lossScale] = scalar(h.lossScale ?? 1);
  return feeds;
}

function applyOutputs(io: TrainStepIO, state: TrainState, out: Record<string, ort.Tensor>): boolean {
  const applied = io.gradFinite ? Boolean(out[io.gradFinite].data[0]) : true;
  state.params = out[io.paramsOut].data as Float32Array;
  state.m = out[io.mOut].data as Float32Array;
  state.v = out[io.vOut].data as Float32Array;
  if (applied) state.step += 1;
  return applied;
}

/** One fused training step (graph from addAdamWStep). `batch` holds the model's own inputs. */
export async function runTrainStep(
  session: EngineSession, io: TrainStepIO, state: TrainState, batch: Record<string, ort.Tensor>, h: Hyperparameters,
): Promise<StepResult> {
  const { outputs, ms } = await session.run({ ...batch, ...hyperFeeds(io, state, h) });
  const applied = applyOutputs(io, state, outputs);
  return { loss: Number(outputs[io.loss!].data[0]), gradNorm: Number(outputs[io.gradNorm].data[0]), applied, ms, rowLoss: rowLossOf(io, outputs) };
}

function rowLossOf(io: TrainStepIO, outputs: Record<string, ort.Tensor>): Float32Array | null {
  return io.rowLoss && outputs[io.rowLoss] ? Float32Array.from(outputs[io.rowLoss]!.data as Float32Array) : null;
}

/** One micro-batch of gradient accumulation (graph from addGradientAccumulation); returns the loss and new sum. */
export async function runAccumulateStep(
  session: EngineSession, io: TrainStepIO, params: Float32Array, gradAcc: Float32Array, batch: Record<string, ort.Tensor>, lossScale = 1,
): Promise<{ loss: number; gradAcc: Float32Array; ms: number; rowLoss: Float32Array | null }> {
  const feeds: Record<string, ort.Tensor> = {
    ...batch,
    [io.params]: hostTensor('float32', [params.length], params),
    [io.gradAcc!]: hostTensor('float32', [gradAcc.length], gradAcc),
  };
  if (io.lossScale) feeds[io.lossScale] = hostTensor('float32', [], [lossScale]);
  const { outputs, ms } = await session.run(feeds);
  return { loss: Number(outputs[io.loss!].data[0]), gradAcc: outputs[io.gradAccOut!].data as Float32Array, ms, rowLoss: rowLossOf(io, outputs) };
}

/** Applies AdamW to an accumulated gradient (graph from buildApplyUpdateGraph); gradScale = 1/(micro-batches·lossScale). */
export async function runApplyUpdate(
  session: EngineSession, io: TrainStepIO, state: TrainState, gradAcc: Float32Array, gradScale: number, h: Hyperparameters,
): Promise<StepResult> {
  const feeds = hyperFeeds(io, state, h);
  delete feeds[io.lossScale ?? ''];
  feeds[io.gradAcc!] = hostTensor('float32', [gradAcc.length], gradAcc);
  feeds[io.gradScale!] = hostTensor('float32', [], [gradScale]);
  const { outputs, ms } = await session.run(feeds);
  const applied = applyOutputs(io, state, outputs);
  return { loss: NaN, gradNorm: Number(outputs[io.gradNorm].data[0]), applied, ms, rowLoss: null };
}

/**
 * One step of an exponential moving average of packed weights, in place: ema ← decay·ema + (1 − decay)·params.
 * Each element in float64 and rounded once, so a resumed run repeats it bit for bit.
 */
export function updateEma(ema: Float32Array, params: Float32Array, decay: number): void {
  if (ema.length !== params.length) throw new Error(`The EMA holds ${ema.length} values but the weights ${params.length}; the checkpoint does not belong to this run.`);
  const keep = 1 - decay;
  for (let i = 0; i < ema.length; i++) ema[i] = decay * ema[i]! + keep * params[i]!;
}
