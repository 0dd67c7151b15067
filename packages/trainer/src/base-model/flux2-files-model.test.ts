// `--base` pointing at a real FLUX.2 download, on tiny random-weight stand-ins written in both layouts: encodings
// are cached, the encoders are released before training, and a LoRA trains with a decoded sample.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyFlux2BflFiles, writeTinyFlux2Diffusers } from '@lora-studio/models';
import type { TrainingEvent } from '../events';
import { prepareNewRun } from '../setup';
import { TrainingSetupError } from '../setup-error';
import { writeImageFolder } from '../testing/fixtures';
import { TrainingRun } from '../training-run';

let root: string;
let dataset: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-flux2-files-'));
  dataset = join(root, 'images');
  await writeImageFolder(dataset, 2);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a FLUX.2 download as the base model', () => {
  it.each(['diffusers', 'bfl'] as const)('trains a LoRA for 2 steps from the %s layout, with finite losses and a decoded sample', async (layout) => {
    const model = layout === 'diffusers' ? writeTinyFlux2Diffusers(join(root, 'klein'), 'klein') : writeTinyFlux2BflFiles(join(root, 'dev-bfl'), 'dev');
    const runDir = join(root, `run-${layout}`);
    const prepared = await prepareNewRun({
      dataset, base: model.path, runDir, type: 'subject', trigger: 'sks',
      overrides: { steps: 2, checkpointEvery: 2, sampleEvery: 2, sampleSteps: 2, samplePrompts: ['a sks disc'], sampleSeeds: [1], batchSize: 1, resolution: 16, rank: 2 },
    }, { threads: 1 });
    const events: TrainingEvent[] = [];
    expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
    const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
    expect(losses).toHaveLength(2);
    expect(losses.every(Number.isFinite)).toBe(true);
    const sample = events.find((e) => e.type === 'sample-written');
    expect(sample && existsSync(sample.path)).toBe(true);
    expect(existsSync(join(runDir, 'lora.safetensors'))).toBe(true);
  });

  it('reports a broken download as a setup problem before training', async () => {
    const broken = writeTinyFlux2Diffusers(join(root, 'broken'), 'klein');
    rmSync(join(broken.path, 'vae'), { recursive: true });
    const attempt = prepareNewRun({ dataset, base: broken.path, runDir: join(root, 'never'), type: 'subject', trigger: 'sks' }, { threads: 1 });
    await expect(attempt).rejects.toBeInstanceOf(TrainingSetupError);
    await expect(attempt).rejects.toThrow(/vae is missing/);
  });
});
