// LoRA steps on fixed random inputs for the benchmarks (bench:memory, gpu:check): the trainer's own step graph and
// session settings, without a dataset or encoders — what a run does per step, nothing else.
import { createSession, hostTensor, packLayout, runTrainStep, TrainState, type ProviderName } from '@lora-studio/onnx';
import { createLoraAdapter, flux2Family, flux2ImageIds, flux2TextIds, type Flux2Config, type FrozenWeights } from '@lora-studio/models';
import type { TrainingConfig } from '../src/config';
import { presetConfig } from '../src/presets';
import { TrainingRandom } from '../src/rng';
import { buildTrainStep, PRESERVE_INPUT, trainableSpecs, type StepModel } from '../src/train-step-graph';

/** Rank 16 on every linear layer, batch 1, gradient checkpointing on (the FLUX.2 preset), optionally preservation. */
export function benchLoraConfig(preserve = false): TrainingConfig {
  const preset = presetConfig({ type: 'subject', trigger: 'sks', imageCount: 10, model: { nativeResolution: 1024, small: false } });
  return { ...preset, rank: 16, alpha: 16, targets: 'all-linear', batchSize: 1, gradAccum: 1, gradientCheckpointing: true, lr: 1e-3, seed: 1, preservation: preserve ? 0.5 : 0, priorImages: 0 };
}

/** A FLUX.2 transformer config and its frozen weights as the step graph takes them. */
export type BenchModel = StepModel & { transformer: Flux2Config };

export function benchModel(transformer: Flux2Config, weights: FrozenWeights): BenchModel {
  return { transformer, family: flux2Family(transformer), weights };
}

export interface StepsResult {
  losses: number[];
  /** Milliseconds of each step's session run. */
  stepMs: number[];
  provider: ProviderName;
  compileMs: number;
}

/** `steps` LoRA steps at `imageTokens` (a square grid) and `textTokens`; the session is released at the end. */
export async function runLoraSteps(model: BenchModel, opts: {
  imageTokens: number; textTokens: number; steps?: number; threads?: number; providers?: readonly ProviderName[]; preserve?: boolean;
}): Promise<StepsResult> {
  const c = model.transformer;
  const config = benchLoraConfig(opts.preserve);
  const t0 = performance.now();
  const graphs = buildTrainStep(model, config, { batch: 1, imageTokens: opts.imageTokens, textTokens: opts.textTokens });
  const session = await createSession(graphs.step.bytes, { providers: opts.providers ?? ['cpu'], threads: opts.threads, ...graphs.session });
  const compileMs = performance.now() - t0;
  try {
    const layout = packLayout(trainableSpecs(model, config));
    const params = new Float32Array(layout.total);
    const offsets = new Map(layout.entries.map((e) => [e.name, e.offset]));
    for (const l of createLoraAdapter(c, { targets: 'all-linear', rank: config.rank, alpha: config.alpha, seed: 1 }).layers) {
      params.set(l.down, offsets.get(`${l.path}.lora_A`)!);
      params.set(l.up, offsets.get(`${l.path}.lora_B`)!);
    }
    const state = TrainState.init(layout, params);
    const rng = TrainingRandom.fromSeed(7);
    const N = opts.imageTokens;
    const T = opts.textTokens;
    const side = Math.round(Math.sqrt(N));
    if (side * side !== N) throw new Error(`runLoraSteps: ${N} image tokens are not a square grid.`);
    const normal = (n: number) => rng.fillNormal(new Float32Array(n)) as Float32Array;
    const losses: number[] = [];
    const stepMs: number[] = [];
    for (let step = 0; step < (opts.steps ?? 2); step++) {
      const feeds = {
        xt: hostTensor('float32', [1, N, c.inChannels], normal(N * c.inChannels)),
        target: hostTensor('float32', [1, N, c.outChannels], normal(N * c.outChannels)),
        t: hostTensor('float32', [1], [0.5]),
        img_ids: hostTensor('float32', [1, N, 4], flux2ImageIds(side, side)),
        txt: hostTensor('float32', [1, T, c.contextDim], normal(T * c.contextDim)),
        txt_ids: hostTensor('float32', [1, T, 4], flux2TextIds(T)),
        ...(c.guidanceEmbed ? { guidance: hostTensor('float32', [1], [1]) } : {}),
        // Output preservation: the row's target is the base model's own velocity, predicted inside the step graph.
        ...(opts.preserve ? { [PRESERVE_INPUT]: hostTensor('bool', [1, 1, 1], [1]) } : {}),
      };
      const s0 = performance.now();
      losses.push((await runTrainStep(session, graphs.step.io, state, feeds, { lr: config.lr, beta1: 0.9, beta2: 0.999 })).loss);
      stepMs.push(performance.now() - s0);
    }
    return { losses, stepMs, provider: session.provider, compileMs };
  } finally {
    await session.release();
  }
}
