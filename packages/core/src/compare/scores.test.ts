import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunDescription } from '@lora-studio/trainer';
import { ImageRenderer } from './renderer';
import { scoreRun, scoresPath, type RunScores } from './scores';
import { trainRun } from './test-runs';
import { DEFAULT_MODEL_SUBJECTS } from './wild-prompts';

// A short style LoRA on the embedded default model and the shipped style sample ("…, in the style of flt"), without
// preservation so 60 steps are enough to move it (preservation's effect is what `lora-studio demo` measures).
const styleSample = resolve(import.meta.dirname, '../../../../resources/samples/style');
let runDir: string;
let renderer: ImageRenderer;
let scores: RunScores;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'ls-scores-'));
  runDir = await trainRun(styleSample, 'default', join(root, 'run'), { steps: 60, checkpointEvery: 60, sampleEvery: 0, priorImages: 0, preservation: 0 }, 'style', 'flt');
  renderer = await ImageRenderer.open(readRunDescription(runDir).base, { threads: 2 });
  scores = await scoreRun(renderer, { runDir, seed: 7, steps: 8 });
  const f = (x: number) => x.toFixed(3);
  const c = scores.checkpoints[0]!;
  console.log(`style LoRA, 60 steps: consistency base ${f(scores.base.consistency)} → LoRA ${f(c.consistency)} (to training ${f(scores.base.toTraining)} → ${f(c.toTraining)}), bleed ${f(c.bleed)}, trigger change ${f(c.triggerChange)}, nearest training ${f(c.nearestTraining)} (overfit below ${f(scores.overfitBelow)})`);
}, 120_000);

afterAll(async () => renderer?.close());

describe('checkpoint scores (embedded default model, style sample)', () => {
  it('scores the 5 wild prompts with and without the trigger, with image features', () => {
    expect(scores.method).toBe('image-features');
    expect(scores.triggerPrompts).toHaveLength(5);
    expect(scores.plainPrompts[0]).toBe(DEFAULT_MODEL_SUBJECTS[0]);
    expect(scores.checkpoints.map((c) => c.step)).toEqual([60]);
    expect(scores.best).toBe(60);
  });

  it('the trained LoRA is more consistent on trigger prompts than the base model', () => {
    const c = scores.checkpoints[0]!;
    expect(c.consistency).toBeGreaterThan(scores.base.consistency);
    expect(c.toTraining).toBeGreaterThan(scores.base.toTraining);
  });

  it('bleed on prompts without the trigger stays low and does not count as copying', () => {
    const c = scores.checkpoints[0]!;
    expect(c.bleed).toBeLessThan(0.2);
    expect(c.overfit).toBe(false);
  });

  it('writes the scores beside the run for "export --step best"', () => {
    expect(JSON.parse(readFileSync(scoresPath(runDir), 'utf8'))).toEqual(JSON.parse(JSON.stringify(scores)));
  });
});
