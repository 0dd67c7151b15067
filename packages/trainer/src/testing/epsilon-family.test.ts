// The trainer works through the model-family interface: a family that changes what the network predicts (the noise
// instead of FLUX.2's velocity) and how it samples trains and samples with no change to the trainer.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../config';
import type { TrainingEvent } from '../events';
import { prepareNewRun } from '../setup';
import { TrainingRun } from '../training-run';
import { epsilonFamily, epsilonObjective, epsilonStep } from './epsilon-family';
import { writeFixtures } from './fixtures';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-epsilon-family-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings: Partial<TrainingConfig> = {
  steps: 60, checkpointEvery: 60, sampleEvery: 60, sampleSteps: 3, batchSize: 4, rank: 8, alpha: 8, seed: 2, targets: 'all-linear', preservation: 0,
};

/** Samplers the runs asked their family for. */
let samplersCreated = 0;

async function train(name: string, overrides: Partial<TrainingConfig>, epsilon: boolean): Promise<TrainingEvent[]> {
  const runDir = join(root, name);
  const prepared = await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { ...settings, ...overrides } }, { threads: 1 });
  if (epsilon) {
    const family = epsilonFamily(prepared.model.family);
    const createSampler: typeof family.createSampler = (setup) => {
      samplersCreated++;
      return family.createSampler(setup);
    };
    prepared.model = { ...prepared.model, family: { ...family, createSampler } };
  }
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  return events;
}

const losses = (events: TrainingEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('a second model family', () => {
  it('an ε step from the true noise lands on the image re-noised to the next level', () => {
    const x0 = new Float32Array([0.5, -1, 2]);
    const noise = new Float32Array([1, 0.25, -0.5]);
    const { xt, target } = epsilonObjective(() => 0.5).trainingPair(x0, noise, [0.8]);
    expect(Array.from(target)).toEqual(Array.from(noise));
    const next = epsilonStep(xt, noise, 0.8, 0.3);
    for (let k = 0; k < 3; k++) expect(next[k]).toBeCloseTo(0.7 * x0[k]! + 0.3 * noise[k]!, 5);
    expect(Array.from(epsilonStep(xt, noise, 0.8, 0))).toEqual(Array.from(x0).map((v) => expect.closeTo(v, 5)));
  });

  it('trains a LoRA toward the noise that lowers the loss, and samples with its own sampler', async () => {
    const trained = await train('epsilon-trained', { lr: 1e-2 }, true);
    // The same batches, noise and levels with a learning rate too small to move the LoRA: the base network's loss.
    const untrained = losses(await train('epsilon-untrained', { lr: 1e-12, sampleEvery: 0 }, true));
    // Paired step by step, so the spread of random noise levels cancels out.
    expect(sum(losses(trained).slice(-20))).toBeLessThan(0.95 * sum(untrained.slice(-20)));
    // The objective came from the family: FLUX.2's velocity target gives the same network other losses.
    const velocity = losses(await train('velocity-untrained', { lr: 1e-12, sampleEvery: 0 }, false));
    expect(velocity[0]).not.toBe(untrained[0]);
    const samples = trained.flatMap((e) => (e.type === 'sample-written' ? [e.path] : []));
    expect(samples.length).toBeGreaterThan(0);
    // The samples came from the family's own (ε) sampler.
    expect(samplersCreated).toBeGreaterThan(0);
    for (const path of samples) expect(existsSync(path)).toBe(true);
  });
});
