// The training step as ONE ONNX graph: the family's denoiser forward with LoRA (or every weight) trainable, the MSE
// against the objective's target, the backward pass and AdamW. With gradient accumulation it is split into an
// accumulate graph (forward + backward, gradient summed) and an apply-update graph.
import {
  addAdamWStep, addGradientAccumulation, buildApplyUpdateGraph, Graph, mul, packParameters, reduceMean, serializeGraph, sub, where,
  type EngineSessionOptions, type ParameterSpec, type Tensor, type TrainStepIO,
} from '@lora-studio/onnx';
import { adapterParameterName, adapterScale, adapterType, type LoraGraphLayer, type LoraTargets } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';
import { adapterSettings, type TrainingConfig } from './config';

/** What the step graph needs of a base model: its family and its frozen weights. */
export type StepModel = Pick<BaseModel, 'family' | 'weights'>;

/** The step graph's per-row loss output ([B]). */
export const ROW_LOSS_OUTPUT = 'row_loss';

export interface StepShapes {
  batch: number;
  imageTokens: number;
  textTokens: number;
  /** Whether the loss is weighted per image token (masked training); without it the graph is today's, bit for bit. */
  lossWeights?: boolean;
  /**
   * Reference-image tokens per row (edit LoRAs): read by the network beside the noisy image, clean, with no loss on
   * them (the network predicts the image tokens only). Absent or 0: no reference inputs.
   */
  referenceTokens?: number;
}

export interface CompiledStep {
  /** The fused step (no accumulation) or the accumulate half. */
  step: { bytes: Uint8Array; io: TrainStepIO };
  /** The apply-update half, with gradient accumulation only. */
  apply?: { bytes: Uint8Array; io: TrainStepIO };
  /** What the step's session needs for its frozen weights (external data folder, no folding into float32). */
  session: EngineSessionOptions;
}

/** The step graph's input marking the rows whose target is the base model's own prediction ([B, 1, 1], bool). */
export const PRESERVE_INPUT = 'preserve';

/**
 * LoRA runs with output or prior preservation predict the base model inside the step graph, on the same weight
 * initializers as the LoRA forward: one copy of the frozen weights instead of a second session's (measured: a
 * second session over the same checkpoint adds about its size again). Full fine-tuning changes the weights, so
 * its base prediction keeps its own session on the original ones.
 */
export function stepPredictsBase(config: TrainingConfig): boolean {
  return config.mode === 'lora' && ((config.preservation ?? 0) > 0 || (config.priorImages ?? 0) > 0);
}

/**
 * The step graph's per-token loss weight ([B, N, 1]) in masked training, normalised per row by the trainer to mean 1
 * so each row's loss stays a weighted mean (a row of ones is then exactly the unweighted loss).
 */
export const LOSS_WEIGHT_INPUT = 'loss_weight';

/** The step graph's inputs the trainer feeds by name (the family names its own, such as position ids). */
export const STEP_INPUTS = { image: 'xt', timestep: 't', text: 'txt' } as const;

/**
 * The trainable tensors in flat-buffer order: the adapter's tensors per targeted layer ("<path>.lora_A" and
 * "<path>.lora_B" for a LoRA, "<path>.lokr_w1" … for LoKr), or every weight of the network.
 */
export function trainableSpecs(model: Pick<StepModel, 'family'>, config: TrainingConfig): ParameterSpec[] {
  if (config.mode === 'full') return model.family.weightSpecs();
  const type = adapterType(config.adapter);
  const settings = adapterSettings(config);
  return model.family.loraTargets(config.targets as LoraTargets).flatMap((l) =>
    type.tensors(l, settings).map((spec) => ({ name: adapterParameterName(l.path, spec.role), shape: spec.shape })));
}

/**
 * Inputs: xt [B, N, in], t [B], txt [B, T, ctx] and the family's own (FLUX.2: img_ids, txt_ids, and guidance for
 * guidance-distilled models), target [B, N, out], and the optimizer's. Loss = mean((prediction(x_t, t) − target)²).
 */
export function buildTrainStep(model: StepModel, config: TrainingConfig, shapes: StepShapes): CompiledStep {
  const family = model.family;
  const { batch: B, imageTokens: N } = shapes;
  const g = new Graph(config.mode === 'full' ? 'full_train_step' : 'lora_train_step');
  const pack = packParameters(g, 'params', trainableSpecs(model, config));
  const references = shapes.referenceTokens ? { referenceTokens: shapes.referenceTokens } : {};
  const denoiser = family.addDenoiserInputs(g, { batch: B, imageTokens: N, textTokens: shapes.textTokens, ...references }, STEP_INPUTS);
  const target = g.input('target', 'float32', [B, N, family.tokens.outChannels]);

  let weights: Map<string, Tensor>;
  let lora: Map<string, LoraGraphLayer> | undefined;
  let session: EngineSessionOptions = {};
  if (config.mode === 'full') {
    weights = pack.tensors;
  } else {
    weights = family.addWeights(g, model.weights);
    session = family.weightSession(model.weights);
    // Small models (weights converted once at load) run many short nodes, where threads that spin during a step save
    // a wake-up at each, and a second session's buffers are small: the step runs both ways and keeps the faster.
    if (session.convertWeightsAtLoad) session = { ...session, spinning: 'auto' };
    lora = new Map();
    const type = adapterType(config.adapter);
    const settings = adapterSettings(config);
    for (const l of family.loraTargets(config.targets as LoraTargets)) {
      const tensors = type.tensors(l, settings).map((spec) => pack.tensors.get(adapterParameterName(l.path, spec.role))!);
      lora.set(l.path, type.graphLayer(tensors, adapterScale(type.kind, l, settings)));
    }
  }
  const checkpointBlocks = config.gradientCheckpointing === true;
  // onnxruntime would merge the recomputed blocks back into the forward pass (common subexpressions) and keep
  // every activation after all.
  if (checkpointBlocks) session = { ...session, keepRecomputation: true };
  const prediction = denoiser.predict({ weights, lora, checkpointBlocks });
  let goal = target;
  if (stepPredictsBase(config)) {
    // No LoRA and no trainable input: nothing flows back through this forward, so its activations are freed as it
    // goes. Where (not a blend) so a preserved row's target is the base prediction bit for bit.
    const preserve = g.input(PRESERVE_INPUT, 'bool', [B, 1, 1]);
    const base = g.scope('base_model', () => denoiser.predict({ weights }));
    goal = where(preserve, base, target);
  }
  const diff = sub(prediction, goal);
  // Each row's loss as well: the loss monitor judges the trend on the concept rows alone (preserved rows sit near
  // zero and would make the mixed loss jump with the batch's make-up). Every row has the same N × C elements, so
  // the mean of the row means is the mean over the batch.
  const weight = shapes.lossWeights ? g.input(LOSS_WEIGHT_INPUT, 'float32', [B, N, 1]) : undefined;
  const rowLoss = g.scope('loss', () => reduceMean(weight ? mul(mul(diff, diff), weight) : mul(diff, diff), [1, 2]));
  const loss = g.scope('loss', () => reduceMean(rowLoss));
  g.output(rowLoss, ROW_LOSS_OUTPUT);
  const adam = { weightDecay: config.weightDecay, clipNorm: config.clipNorm > 0 ? config.clipNorm : null };
  const bytes = () => serializeGraph(g, { externalDataFolder: session.externalDataFolder });
  if (config.gradAccum === 1) return { step: { io: { ...addAdamWStep(loss, pack, adam), rowLoss: ROW_LOSS_OUTPUT }, bytes: bytes() }, session };
  const io = { ...addGradientAccumulation(loss, pack), rowLoss: ROW_LOSS_OUTPUT };
  const apply = buildApplyUpdateGraph(pack.layout, 'params', adam);
  return { step: { io, bytes: bytes() }, apply: { io: apply.io, bytes: serializeGraph(apply.graph) }, session };
}
