import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter, type LoraAdapter, type LoraTargets } from '@lora-studio/models';
import { listCheckpoints, readCheckpoint } from './checkpoint';
import { adapterSettings, type TrainingConfig } from './config';
import type { TrainingEvent } from './events';
import { runPaths } from './run-folder';
import { prepareNewRun, prepareResume } from './setup';
import { writeFixtures } from './testing/fixtures';
import { TrainingRun } from './training-run';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-ema-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STEPS = 6;
const DECAY = 0.7;
const settings: Partial<TrainingConfig> = { steps: STEPS, checkpointEvery: 1, sampleEvery: 0, batchSize: 2, seed: 8, preservation: 0, priorImages: 0, lr: 5e-3, rank: 2, alpha: 2, ema: DECAY };

async function finish(prepared: Awaited<ReturnType<typeof prepareNewRun>>, runDir: string): Promise<number[]> {
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  return events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
}

describe('EMA of the adapter', () => {
  it('after N steps equals the closed-form EMA of the logged weights, and resumes exactly', async () => {
    const runDir = join(root, 'ema');
    const prepared = await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: settings }, { threads: 1 });
    const config = prepared.description.config;
    // The run's starting tensors: the same seeded draw the trainer makes, in its flat order (A then B per layer).
    const start = createAdapter('lora', prepared.model.family.loraTargets(config.targets as LoraTargets), adapterSettings(config), config.seed) as LoraAdapter;
    const p0 = Float64Array.from(start.layers.flatMap((l) => [...l.down, ...l.up]));
    await finish(prepared, runDir);
    const checkpoints = listCheckpoints(runPaths(runDir).checkpoints).map((c) => readCheckpoint(c.path));
    expect(checkpoints.map((c) => c.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // ema_N = d^N·p0 + Σ_k (1 − d)·d^(N−k)·p_k, in float64 from the logged (checkpointed) tensors.
    const closed = p0.map((v) => v * DECAY ** STEPS);
    for (const c of checkpoints) c.params.forEach((v, i) => { closed[i]! += (1 - DECAY) * DECAY ** (STEPS - c.step) * v; });
    const ema = checkpoints.at(-1)!.ema!;
    const scale = Math.max(...closed.map(Math.abs));
    expect(Math.max(...closed.map((v, i) => Math.abs(v - ema[i]!)))).toBeLessThan(1e-6 * scale);
    // The average is not the weights themselves (a test that could not fail otherwise).
    expect(Math.max(...checkpoints.at(-1)!.params.map((v, i) => Math.abs(v - ema[i]!)))).toBeGreaterThan(1e-4 * scale);

    // Forget the last two checkpoints: resuming from step 4 repeats the EMA bit for bit.
    for (const c of listCheckpoints(runPaths(runDir).checkpoints).slice(-2)) rmSync(c.path);
    await finish(await prepareResume(runDir, { threads: 1 }), runDir);
    expect(Array.from(readCheckpoint(listCheckpoints(runPaths(runDir).checkpoints).at(-1)!.path).ema!)).toEqual(Array.from(ema));
  });
});
