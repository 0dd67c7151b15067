import { describe, expect, it } from 'vitest';
import { LossMonitor, NonFiniteLossError, type LossEvent } from './loss-monitor';

const options = { smoothing: 0.9, window: 5, minImprovement: 0.02, patience: 3, riseTolerance: 0.15 };

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
});
