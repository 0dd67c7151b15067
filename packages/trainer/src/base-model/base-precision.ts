// The run's base precision: the frozen transformer as stored (bf16 for FLUX.2 checkpoints), or quantized once
// per output channel to fp8 / int8 into the run's cache folder (read back on resume). The LoRA and the
// optimizer state stay float32 whatever is chosen.
import { join } from 'node:path';
import { quantizedBase, type BasePrecision } from '@lora-studio/models';
import type { BaseModel } from './base-model';

export function withBasePrecision(model: BaseModel, precision: BasePrecision | undefined, cacheDir: string): BaseModel {
  if (precision === undefined || precision === 'bf16') return model;
  if (model.weights.kind !== 'checkpoint') {
    throw new Error(`${model.name}'s weights are not in a checkpoint file, so they cannot be quantized to ${precision}; choose the base precision bf16.`);
  }
  const base = quantizedBase(model.weights.checkpoint, precision, join(cacheDir, 'base-model'));
  return {
    ...model,
    weights: { kind: 'quantized', base },
    close: async () => {
      base.close();
      await model.close();
    },
  };
}
