import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointScores, TrainingSettings } from '@lora-studio/api';
import { ProjectStore } from '@lora-studio/store';
import { describe, expect, it } from 'vitest';
import { GeneratedRows } from '../compare/generated-rows';
import { RunRows } from './run-rows';

function project(): ProjectStore {
  return ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-run-rows-')), 'p'), { name: 'P', type: 'style', trigger: 'flt' });
}

/** Settings as stored: the rows keep them as JSON and never look inside, so a partial object shows the round trip. */
const settings = (steps: number) => ({ steps, lr: 1e-4, rank: 4 }) as unknown as TrainingSettings;

function scores(step: number, consistency: number): CheckpointScores {
  return { step, consistency, toEachOther: consistency, toTraining: consistency, bleed: 0.1, triggerChange: 0.5, nearestTraining: 0.3, overfit: false, overall: consistency - 0.1 };
}

describe('RunRows', () => {
  it('replaces the config a run was created with by the one the trainer resolved', () => {
    const store = project();
    const rows = new RunRows(store);
    const id = rows.create({ name: 'r', config: settings(100), baseModel: 'default', totalSteps: 100 });
    rows.setConfig(id, settings(40));
    expect(rows.detail(id)!.config).toEqual(settings(40));
  });

  it('stores each checkpoint its scores, leaving other runs and unscored steps alone', () => {
    const store = project();
    const rows = new RunRows(store);
    const a = rows.create({ name: 'a', config: settings(4), baseModel: 'default', totalSteps: 4 });
    const b = rows.create({ name: 'b', config: settings(4), baseModel: 'default', totalSteps: 4 });
    for (const run of [a, b]) for (const step of [2, 4, 6]) rows.addCheckpoint(run, step, `runs/${run}/checkpoints/${step}`);
    rows.setScores(a, [scores(2, 0.5), scores(4, 0.75)]);
    const stored = store.db.prepare('SELECT run_id AS run, step, scores FROM checkpoints ORDER BY run_id, step').all() as { run: number; step: number; scores: string | null }[];
    expect(stored.map((s) => [s.run, s.step, s.scores && (JSON.parse(s.scores) as CheckpointScores).consistency])).toEqual([
      [a, 2, 0.5], [a, 4, 0.75], [a, 6, null], [b, 2, null], [b, 4, null], [b, 6, null],
    ]);
  });
});

describe('GeneratedRows', () => {
  const made = { negativePrompt: '', guidance: 4, steps: 20, width: 32, height: 32 };

  it('lists generated images newest first with the settings they were made with, and never training samples', () => {
    const store = project();
    const runs = new RunRows(store);
    const run = runs.create({ name: 'r', config: settings(4), baseModel: 'default', totalSteps: 4 });
    runs.addSample(run, { step: 2, prompt: 'a training sample', seed: 1, file: 'runs/1/samples/a.png', requested: false });
    const generated = new GeneratedRows(store);
    const first = generated.add({ lora: null, prompt: 'a cat', seed: 7, scale: 0, file: 'generated/a.png', createdAt: '2025-01-01T00:00:00.000Z', settings: { ...made, lora: null } });
    const second = generated.add({
      lora: { runId: run, step: 2 }, prompt: 'a flt cat', seed: 8, scale: 0.8, file: 'generated/b.png', createdAt: '2025-01-02T00:00:00.000Z',
      settings: { ...made, lora: { runId: run, step: 2 } },
    });
    expect(second).toBeGreaterThan(first);
    expect(generated.recent(10)).toEqual([
      { id: second, file: 'generated/b.png', prompt: 'a flt cat', seed: 8, scale: 0.8, createdAt: '2025-01-02T00:00:00.000Z', ...made, lora: { runId: run, step: 2 } },
      { id: first, file: 'generated/a.png', prompt: 'a cat', seed: 7, scale: 0, createdAt: '2025-01-01T00:00:00.000Z', ...made, lora: null },
    ]);
    expect(generated.recent(1).map((g) => g.id)).toEqual([second]);
    const link = store.db.prepare('SELECT run_id AS run, checkpoint_step AS step FROM samples WHERE id = ?').get(second);
    expect(link).toEqual({ run, step: 2 });
  });
});
