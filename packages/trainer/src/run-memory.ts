// A run's memory estimate from its base model and settings (see memory-estimate.ts): what the preflight checks
// and the `started` event reports.
import type { LoraTargets } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';
import type { TrainingConfig } from './config';
import { estimateTrainingMemory, gigabytes, type MemoryEstimate, type MemoryEstimateInput } from './memory-estimate';

/** The FLUX.2 pipelines pad prompts to 512 tokens: the most a run's text can take (see data/text-tokens.ts). */
export const MAX_TEXT_TOKENS = 512;

/** What the estimate reads of a base model: a loaded one, or its shape read from headers (BaseModelShape). */
export type MemoryModel = Pick<BaseModel, 'family' | 'weights'> & { encoders: Pick<BaseModel['encoders'], 'sizeMultiple' | 'fixedBuckets'> };

const BYTES_PER_DTYPE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I8: 1, F8_E4M3: 1 };

/** Bytes per weight of the network as its file stores it (the first weight's; FLUX.2 files use one dtype). */
export function storedBytesPerWeight(model: Pick<BaseModel, 'weights'>): number {
  const w = model.weights;
  if (w.kind === 'checkpoint') return BYTES_PER_DTYPE[w.checkpoint.weights.values().next().value?.dtype ?? 'BF16'] ?? 2;
  if (w.kind === 'quantized') return 1;
  return 4;
}

/**
 * The estimate's inputs for a run: image tokens of the square bucket at the run's resolution (or the model's one
 * size), `textTokens` when known (after encoding), else the model's cap — an upper bound. An edit LoRA's
 * `referenceImages` (the most any image has) each add as many tokens again: they pass every block beside the image.
 */
export function runMemoryInput(model: MemoryModel, config: TrainingConfig, textTokens?: number, referenceImages = 0): MemoryEstimateInput & { resolution: number } {
  const family = model.family;
  const side = model.encoders.fixedBuckets?.[0]?.width ?? config.resolution;
  const loraParams = config.mode === 'full'
    ? 0
    : family.loraTargets(config.targets as LoraTargets).reduce((n, l) => n + config.rank * (l.inDim + l.outDim), 0);
  return {
    transformer: family.shape,
    baseParams: family.parameters,
    storedBytesPerWeight: storedBytesPerWeight(model),
    basePrecision: config.basePrecision ?? 'bf16',
    loraParams,
    batch: config.batchSize,
    imageTokens: Math.max(1, Math.round((side / model.encoders.sizeMultiple) ** 2)) * (1 + referenceImages),
    textTokens: textTokens ?? MAX_TEXT_TOKENS,
    gradientCheckpointing: config.gradientCheckpointing === true,
    resolution: config.resolution,
  };
}

export function runMemoryEstimate(model: MemoryModel, config: TrainingConfig, textTokens?: number, referenceImages = 0): MemoryEstimate {
  return estimateTrainingMemory(runMemoryInput(model, config, textTokens, referenceImages));
}

/** "weights 7.9 GB (bf16) + activations 8.5 GB + LoRA and optimizer 0.9 GB + runtime 0.2 GB". */
export function describeMemory(e: MemoryEstimate, basePrecision: string): string {
  return `weights ${gigabytes(e.weightsBytes)} (${basePrecision}) + activations ${gigabytes(e.activationsBytes)} + LoRA and optimizer ${gigabytes(e.loraBytes)} + runtime ${gigabytes(e.runtimeBytes)}`;
}
