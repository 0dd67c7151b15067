// The training sampler releases its session after each round of samples (so it does not stay resident through the
// steps) and compiles it again for the next round: every round still writes its pictures, the same as a sampler
// that was never released.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingEvent } from './events';
import { prepareNewRun } from './setup';
import { writeFixtures } from './testing/fixtures';
import { TrainingRun } from './training-run';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-sampler-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('training sampler', () => {
  it('writes every round of samples after releasing its session between rounds', async () => {
    const runDir = join(root, 'run');
    const prepared = await prepareNewRun({
      dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks',
      // A learning rate of ~0 keeps the LoRA at its start (B = 0), so every round must draw the same picture.
      overrides: { steps: 3, checkpointEvery: 3, sampleEvery: 1, sampleSteps: 2, samplePrompts: ['a sks disc'], sampleSeeds: [1], batchSize: 1, lr: 1e-30, warmupSteps: 0 },
    }, { threads: 1 });
    const events: TrainingEvent[] = [];
    expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
    const written = events.flatMap((e) => (e.type === 'sample-written' ? [e] : []));
    expect(written.map((e) => e.step)).toEqual([1, 2, 3]);
    const pictures = written.map((e) => readFileSync(e.path));
    expect(pictures[0]!.length).toBeGreaterThan(0);
    for (const p of pictures.slice(1)) expect(p.equals(pictures[0]!)).toBe(true);
  });
});
