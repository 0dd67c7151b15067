import type { CompareScores, RunSummary } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { scoreBars } from '../src/screens/compare/scores-series';
import { defaultPick } from '../src/screens/compare/run-choice';

const checkpoint = (step: number, consistency: number, bleed: number) => ({
  step, consistency, toEachOther: 0, toTraining: 0, bleed, triggerChange: 0, nearestTraining: 0.31234, overfit: false, overall: consistency - bleed,
});

describe('the scores chart', () => {
  it('shows the base model first, then each checkpoint oldest first, marking the suggested best', () => {
    const scores = {
      base: { consistency: 0.41234, toEachOther: 0, toTraining: 0, nearestTraining: 0.5 },
      checkpoints: [checkpoint(8, 0.7, 0.1), checkpoint(4, 0.6, 0.05)],
      best: 8,
    } as unknown as CompareScores;
    const bars = scoreBars(scores);
    expect(bars.map((b) => b.label)).toEqual(['base', 'step 4', 'step 8 (best)']);
    expect(bars[0]).toMatchObject({ step: null, consistency: 0.412, bleed: null, overall: null });
    expect(bars[2]).toMatchObject({ step: 8, consistency: 0.7, bleed: 0.1, nearestTraining: 0.312 });
  });
});

describe('the run Compare, Generate and Export pick first', () => {
  const run = (id: number, status: RunSummary['status']) => ({ id, status }) as RunSummary;
  it('is the newest finished run, else the newest that has started', () => {
    expect(defaultPick([run(1, 'finished'), run(3, 'running'), run(2, 'finished')])?.id).toBe(2);
    expect(defaultPick([run(1, 'stopped'), run(2, 'queued')])?.id).toBe(1);
    expect(defaultPick([run(2, 'queued')])).toBeNull();
  });
});
