// Test support: a finished LoRA run made in seconds (tiny random model) or a short real one (the embedded default
// model on the style sample), through the real trainer.
import { join } from 'node:path';
import { prepareNewRun, TrainingRun, type TrainingConfig } from '@lora-studio/trainer';
import { writeFixtures } from '@lora-studio/trainer/testing';

export async function trainRun(dataset: string, base: string, runDir: string, overrides: Partial<TrainingConfig>, type: 'style' | 'subject' = 'style', trigger = 'sks'): Promise<string> {
  const prepared = await prepareNewRun({ dataset, base, runDir, type, trigger, overrides }, { threads: 2 });
  const outcome = await new TrainingRun(prepared, runDir, () => {}, { threads: 2 }).run();
  if (outcome !== 'finished') throw new Error(`The test run in ${runDir} ended ${outcome}.`);
  return runDir;
}

/** A tiny random model and 4 captioned discs; a 4-step LoRA run with checkpoints at steps 2 and 4. */
export async function tinyRun(root: string): Promise<string> {
  const { model, dataset } = await writeFixtures(root, 4);
  return trainRun(dataset, model, join(root, 'run'), {
    steps: 4, checkpointEvery: 2, sampleEvery: 0, rank: 2, alpha: 2, batchSize: 2, lr: 1e-2, sampleSteps: 3, resolution: 16,
  });
}
