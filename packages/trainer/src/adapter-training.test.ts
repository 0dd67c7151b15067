// Every adapter kind through the whole trainer: it learns, its checkpoints resume exactly, and they read back as
// the adapter they hold.
import { readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterKindOf, loadAdapter, type AdapterKind } from '@lora-studio/models';
import type { TrainingConfig } from './config';
import type { TrainingEvent } from './events';
import { prepareNewRun, prepareResume } from './setup';
import { writeFixtures } from './testing/fixtures';
import { TrainingRun } from './training-run';
import { runPaths } from './run-folder';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'adapter-training-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STEPS = 40;
const base: Partial<TrainingConfig> = {
  steps: STEPS, checkpointEvery: 20, sampleEvery: 0, batchSize: 2, seed: 5, preservation: 0, priorImages: 0, lr: 5e-3, scheduler: 'constant', warmupSteps: 0, rank: 4, alpha: 4,
};

/** Step → loss of a run to its end: a new one with these settings, or (resume) from the folder's last checkpoint. */
async function train(runDir: string, extra: Partial<TrainingConfig> | 'resume'): Promise<Map<number, number>> {
  const prepared = extra === 'resume'
    ? await prepareResume(runDir, { threads: 1 })
    : await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { ...base, ...extra } }, { threads: 1 });
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  return new Map(events.flatMap((e) => (e.type === 'step' ? [[e.step, e.loss] as const] : [])));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.each<AdapterKind>(['lokr', 'loha'])('%s training', (adapter) => {
  it(`lowers the loss in ${STEPS} steps and resumes from a checkpoint to the same losses, bit for bit`, async () => {
    const runDir = join(root, adapter);
    const first = await train(runDir, { adapter, lokrFactor: adapter === 'lokr' ? -1 : undefined, lr: 1e-2 });
    const losses = [...first.values()];
    expect(losses).toHaveLength(STEPS);
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
    // Forget the last checkpoint: the run continues from step 20 and must repeat steps 21–40 exactly.
    const checkpoints = runPaths(runDir).checkpoints;
    const last = readdirSync(checkpoints).sort().at(-1)!;
    rmSync(join(checkpoints, last));
    const again = await train(runDir, 'resume');
    for (let step = 21; step <= STEPS; step++) expect(again.get(step), `step ${step}`).toBe(first.get(step));
    // The run's file is the adapter it trained, in LyCORIS keys.
    const file = loadAdapter(runPaths(runDir).lora).adapter;
    expect(file.layers.length).toBeGreaterThan(0);
    expect(file.layers.every((l) => adapterKindOf(l) === adapter)).toBe(true);
  });
});
