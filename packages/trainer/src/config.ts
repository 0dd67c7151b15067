// Everything a training run needs to know. The fields, their meaning and their limits are the API's one schema
// (trainingSettingsSchema in @lora-studio/api), so the Train form, the API and the trainer accept the same values.
import { loraTypes, type LoraType, type TrainingSettings, type TrainingTargets } from '@lora-studio/api';
import type { AdapterSettings } from '@lora-studio/models';

export type { LoraType, TrainingTargets };
export const LORA_TYPES = loraTypes;

/** A run's resolved settings, stored in runs.config and in every checkpoint, so a resume uses the same settings. */
export type TrainingConfig = TrainingSettings;

export function isLoraType(value: string): value is LoraType {
  return (LORA_TYPES as readonly string[]).includes(value);
}

/** What every adapted layer of a run is made with (rank, alpha, LoKr factor). */
export function adapterSettings(config: TrainingConfig): AdapterSettings {
  return { rank: config.rank, alpha: config.alpha, lokrFactor: config.lokrFactor };
}
