// Everything a training run needs to know. The fields, their meaning and their limits are the API's one schema
// (trainingSettingsSchema in @lora-studio/api), so the Train form, the API and the trainer accept the same values.
import { loraTypes, type LoraType, type TrainingSettings, type TrainingTargets } from '@lora-studio/api';

export type { LoraType, TrainingTargets };
export const LORA_TYPES = loraTypes;

/** A run's resolved settings, stored in runs.config and in every checkpoint, so a resume uses the same settings. */
export type TrainingConfig = TrainingSettings;

export function isLoraType(value: string): value is LoraType {
  return (LORA_TYPES as readonly string[]).includes(value);
}
