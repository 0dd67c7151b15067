import { describe, expect, it } from 'vitest';
import { LossMonitor, NonFiniteLossError, welchT, type LossEvent } from './loss-monitor';
import { SeededRandom } from '@lora-studio/onnx';

const options = { smoothing: 0.9, window: 5, minImprovement: 0.02, patience: 3, riseTolerance: 0.15, riseT: 3 };

function feed(m: LossMonitor, losses: number[], from = 1): LossEvent[] {
  return losses.flatMap((l, i) => m.observe(from + i, l).event ?? []);
}

describe('LossMonitor', () => {
  it('smooths with a bias-corrected moving average', () => {
    const m = new LossMonitor(options);
    expect(m.observe(1, 2).smoothed).toBeCloseTo(2, 12);
    expect(m.observe(2, 1).smoothed).toBeCloseTo((0.9 * 0.1 * 2 + 0.1 * 1) / (1 - 0.81), 12);
  });

  it('stops on NaN or Inf with a clear error', () => {
    const m = new LossMonitor(options);
    expect(() => m.observe(7, Number.NaN)).toThrow(NonFiniteLossError);
    expect(() => m.observe(8, Infinity)).toThrow(/loss became Infinity at step 8: training diverged.*Lower the learning rate/);
  });

  it('reports a plateau after `patience` windows without progress, and a rise', () => {
    const falling = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3];
    // The first flat window still improves on the falling one; three more without progress make a plateau.
    const flat = Array.from({ length: 20 }, () => 0.35);
    const events = feed(new LossMonitor(options), [...falling, ...flat]);
    expect(events.map((e) => e.kind)).toEqual(['plateau']);
    expect(events[0]!.step).toBe(30);
    const rising = feed(new LossMonitor(options), [...falling, 0.6, 0.6, 0.6, 0.6, 0.6]);
    expect(rising).toEqual([{ kind: 'rise', step: 15, windowMean: expect.closeTo(0.6, 10), best: expect.closeTo(0.4, 10) }]);
  });

  it('continues identically from a saved state', () => {
    const losses = Array.from({ length: 40 }, (_, i) => 1 / (1 + i) + (i % 3) * 0.01);
    const whole = new LossMonitor(options);
    const expected = losses.map((l, i) => whole.observe(i + 1, l));
    const first = new LossMonitor(options);
    const a = losses.slice(0, 13).map((l, i) => first.observe(i + 1, l));
    const resumed = new LossMonitor(options, JSON.parse(JSON.stringify(first.state())));
    const b = losses.slice(13).map((l, i) => resumed.observe(i + 14, l));
    expect([...a, ...b]).toEqual(expected);
  });

  it('reports a real rise once per trend, and again only after the loss came back', () => {
    const falling = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3];
    const high = Array.from({ length: 15 }, () => 0.6);
    const back = Array.from({ length: 5 }, () => 0.38);
    const events = feed(new LossMonitor(options), [...falling, ...high, ...back, ...high]);
    expect(events.filter((e) => e.kind === 'rise').map((e) => e.step)).toEqual([15, 35]);
  });

  it('stays quiet on a noisy loss whose level does not change (the mixed loss of preserved and concept rows)', () => {
    const rng = new SeededRandom(3);
    // Each step's loss is the mean of 4 rows that are concept rows (≈0.5) or preserved rows (≈0.02) by chance.
    const losses = Array.from({ length: 400 }, () => {
      let sum = 0;
      for (let r = 0; r < 4; r++) sum += rng.uniform() < 0.5 ? 0.5 + 0.1 * (rng.uniform() - 0.5) : 0.02;
      return sum / 4;
    });
    const noisy = { ...options, window: 20 };
    expect(feed(new LossMonitor(noisy), losses).filter((e) => e.kind === 'rise')).toEqual([]);
  });

  it('judges the trend on the concept rows only: steps without any add nothing to the window', () => {
    const m = new LossMonitor(options);
    const events: LossEvent[] = [];
    // The mixed loss jumps between 0.02 and 0.5 while the concept rows' loss falls steadily; every third step has
    // preserved rows only.
    for (let i = 0; i < 60; i++) {
      const concept = i % 3 === 0 ? null : 0.5 - i * 0.004;
      const { event } = m.observe(i + 1, i % 2 ? 0.5 : 0.02, concept);
      if (event) events.push(event);
    }
    expect(events).toEqual([]);
    // 40 concept losses in windows of 5: every window closed, none open.
    expect(m.state().windowCount).toBe(0);
    // Each window improves on the last by about 10 %, so the best is the last window (steps 53–59).
    expect(m.state().best).toBeCloseTo(0.5 - 0.004 * ((53 + 55 + 56 + 58 + 59) / 5), 10);
  });

  it('computes Welch t from means, variances and sizes', () => {
    expect(welchT({ mean: 1, variance: 0.5, n: 10 }, { mean: 0.5, variance: 0.5, n: 10 })).toBeCloseTo(0.5 / Math.sqrt(0.1), 12);
    expect(welchT({ mean: 1, variance: 0, n: 5 }, { mean: 1, variance: 0, n: 5 })).toBe(0);
  });
});
