import { InvalidInputError } from '@lora-studio/api';

/** Problems found before training starts (settings, dataset, base model); each line says what is wrong and what to do. */
export class TrainingSetupError extends InvalidInputError {
  override name = 'TrainingSetupError';

  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `Training cannot start: ${problems[0]}` : `Training cannot start:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  }
}
