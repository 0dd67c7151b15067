// Checks on a TrainingConfig, run before any file is read or graph compiled. The ranges are the API's settings
// schema (one set of limits for the Train form, the API and the trainer); what only the trainer can know is here:
// how settings relate to each other, and the image-size multiple of the loaded model.
import { trainingSettingsSchema } from '@lora-studio/api';
import type { TrainingConfig } from './config';

/** Every problem at once, so the user fixes them in one go: one sentence per setting. */
export function configProblems(c: TrainingConfig, options: { sizeMultiple?: number } = {}): string[] {
  const multiple = options.sizeMultiple ?? 16;
  const problems = new Map<string, string>();
  const parsed = trainingSettingsSchema.safeParse(c);
  for (const issue of parsed.error?.issues ?? []) {
    const setting = String(issue.path[0] ?? '');
    if (!problems.has(setting)) problems.set(setting, issue.message);
  }
  const add = (setting: string, problem: string) => {
    if (!problems.has(setting)) problems.set(setting, problem);
  };
  if (Number.isInteger(c.warmupSteps) && Number.isInteger(c.steps) && c.warmupSteps > Math.max(0, c.steps - 1)) {
    add('warmupSteps', `warmup steps must end before the last step: at most ${Math.max(0, c.steps - 1)} for ${c.steps} steps (got ${c.warmupSteps}).`);
  }
  // Patches of `multiple` pixels: the image must hold whole patches, and at least two per side to have a shape.
  if (Number.isInteger(c.resolution) && c.resolution < 2 * multiple) {
    add('resolution', `resolution must be at least ${2 * multiple} for this model (got ${c.resolution}).`);
  }
  if (Number.isInteger(c.resolution) && c.resolution % multiple !== 0) {
    add('resolution', `resolution must be a multiple of ${multiple} for this model (got ${c.resolution}).`);
  }
  return [...problems.values()];
}
