// Prior preservation on a tiny real model: the pictures are the base model's own renders of the captions without
// the trigger, drawn once per run (a resume keeps them), trained on beside the dataset, and refused up front when
// no caption says anything but the trigger.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../config';
import type { TrainingEvent } from '../events';
import { prepareNewRun } from '../setup';
import { TrainingSetupError } from '../setup-error';
import { writeFixtures } from '../testing/fixtures';
import { TrainingRun } from '../training-run';
import { withoutTrigger } from './captions';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-prior-'));
  fixtures = await writeFixtures(root, 3);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runtime = { threads: 1 };
const overrides: Partial<TrainingConfig> = { steps: 3, checkpointEvery: 3, sampleEvery: 0, batchSize: 2, sampleSteps: 2, priorImages: 4 };

async function train(runDir: string, o = overrides, dataset = fixtures.dataset): Promise<TrainingEvent[]> {
  const events: TrainingEvent[] = [];
  const prepared = await prepareNewRun({ dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: o }, runtime);
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), runtime).run()).toBe('finished');
  return events;
}

describe('captions without the trigger', () => {
  it('drop the style phrase or the word, and tidy what is left', () => {
    expect(withoutTrigger('grinning face, in the style of flt', 'flt')).toBe('grinning face');
    expect(withoutTrigger('a photo of sks teddy bear, on a blue background', 'sks')).toBe('a photo of teddy bear, on a blue background');
    expect(withoutTrigger('sks, a man smiling', 'sks')).toBe('a man smiling');
    expect(withoutTrigger('a photo of asks', 'sks')).toBe('a photo of asks');
  });
});

describe('prior preservation', () => {
  it('draws the base model’s pictures of the plain captions, trains on them, and a second run draws the same', async () => {
    const events = await train(join(root, 'a'));
    const started = events.find((e) => e.type === 'started') as Extract<TrainingEvent, { type: 'started' }>;
    expect(started).toMatchObject({ images: 3, priorImages: 4 });
    expect(events.filter((e) => e.type === 'preparing' && e.stage === 'prior').map((e) => (e as { done: number }).done)).toEqual([1, 2, 3, 4]);
    const prior = join(root, 'a', 'prior');
    expect(readdirSync(prior).sort()).toEqual(['prior-0000.png', 'prior-0000.txt', 'prior-0001.png', 'prior-0001.txt', 'prior-0002.png', 'prior-0002.txt', 'prior-0003.png', 'prior-0003.txt']);
    // Captions cycle through the dataset (sorted file names), trigger taken out.
    expect(['0000', '0001', '0002', '0003'].map((i) => readFileSync(join(prior, `prior-${i}.txt`), 'utf8')))
      .toEqual(['a disc, colour 0, on white', 'a disc, colour 1, on white', 'a disc, colour 2, on white', 'a disc, colour 0, on white']);
    // Same caption, different seed: a different picture.
    expect(readFileSync(join(prior, 'prior-0000.png')).equals(readFileSync(join(prior, 'prior-0003.png')))).toBe(false);

    await train(join(root, 'b'));
    for (const f of readdirSync(prior)) expect(readFileSync(join(root, 'b', 'prior', f)).equals(readFileSync(join(prior, f)))).toBe(true);
  });

  it('keeps the pictures a run already drew and redraws only a missing one', async () => {
    const runDir = join(root, 'c');
    await train(runDir);
    const prior = join(runDir, 'prior');
    const kept = statSync(join(prior, 'prior-0001.png')).mtimeMs;
    const original = readFileSync(join(prior, 'prior-0002.png'));
    unlinkSync(join(prior, 'prior-0002.png'));
    rmSync(join(runDir, 'run.json'));
    const events = await train(runDir);
    expect(events.filter((e) => e.type === 'preparing' && e.stage === 'prior')).toHaveLength(4);
    expect(statSync(join(prior, 'prior-0001.png')).mtimeMs).toBe(kept);
    expect(readFileSync(join(prior, 'prior-0002.png')).equals(original)).toBe(true);
  });

  it('trains preserved rows toward the base model’s own prediction (zero loss while the LoRA is still the base)', async () => {
    // A learning rate of 1e-12 keeps the LoRA at its initial value (B = 0, i.e. the base model), so a batch of one
    // preserved row — a prior picture, or a dataset image drawn for preservation — has exactly the base target.
    const events = await train(join(root, 'preserve'), { ...overrides, steps: 24, batchSize: 1, lr: 1e-12, warmupSteps: 0, preservation: 0.5, priorImages: 2, checkpointEvery: 24 });
    const losses = events.filter((e) => e.type === 'step').map((e) => (e as { loss: number }).loss);
    const preserved = losses.filter((l) => l < 1e-9);
    expect(preserved.length).toBeGreaterThanOrEqual(6);
    expect(losses.length - preserved.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...losses.filter((l) => l >= 1e-9))).toBeGreaterThan(1e-3);
  });

  it('is off with 0 and refused before training when captions hold nothing but the trigger', async () => {
    const events = await train(join(root, 'off'), { ...overrides, priorImages: 0 });
    expect(events.find((e) => e.type === 'started')).toMatchObject({ priorImages: 0 });

    const bare = join(root, 'bare');
    await writeFixtures(bare, 2);
    for (const i of [0, 1]) writeFileSync(join(bare, 'images', `img-${i}.txt`), 'sks');
    await expect(train(join(root, 'bare-run'), overrides, join(bare, 'images'))).rejects.toThrow(TrainingSetupError);
    await expect(train(join(root, 'bare-run2'), overrides, join(bare, 'images'))).rejects.toThrow(/every caption is empty without it/);
  });
});
