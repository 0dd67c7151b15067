import type { MetricPoint } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { appendPoints, downsampleIndexes, lossCurve, smoothTwoSided } from '../src/screens/train/loss-series';

const point = (step: number, loss = 1): MetricPoint => ({ step, loss, lr: 1e-4, gradNorm: 0.5, stepMs: 100 });

describe('the loss chart series', () => {
  it('appends new steps, and a batch that repeats steps (resume from a checkpoint) replaces them', () => {
    const a = [1, 2, 3, 4, 5].map((s) => point(s, s));
    expect(appendPoints(a, [point(6)]).map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const resumed = appendPoints(a, [point(3, 9), point(4, 9)]);
    expect(resumed.map((p) => [p.step, p.loss])).toEqual([[1, 1], [2, 2], [3, 9], [4, 9]]);
    expect(appendPoints([], [point(1)])).toHaveLength(1);
    expect(appendPoints(a, [])).toBe(a);
  });

  it('smooths on both sides: a step in the loss is centred, not delayed, and weight 0 changes nothing', () => {
    const values = [...Array(50).fill(1), ...Array(50).fill(0)];
    const smooth = smoothTwoSided(values, 0.8);
    expect(smooth[49]! + smooth[50]!).toBeCloseTo(1, 6);
    expect(smooth[49]!).toBeLessThan(1);
    expect(smooth[50]!).toBeGreaterThan(0);
    expect(smooth[0]!).toBeCloseTo(1, 4);
    expect(smooth[99]!).toBeCloseTo(0, 4);
    expect(Array.from(smoothTwoSided([3, 1, 2], 0))).toEqual([3, 1, 2]);
    const noisy = Array.from({ length: 200 }, (_, i) => 0.5 + (i % 2 ? 0.1 : -0.1));
    const spread = (xs: ArrayLike<number>) => Math.max(...Array.from(xs).slice(10, 190)) - Math.min(...Array.from(xs).slice(10, 190));
    expect(spread(smoothTwoSided(noisy, 0.8))).toBeLessThan(spread(noisy) / 4);
  });

  it('thins 100,000 steps to at most 2,000 points and keeps the first, the last, the spike and the dip', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => 1 / (1 + i / 1000));
    values[31_337] = 50;
    values[77_777] = -5;
    const picked = downsampleIndexes(values, 2000);
    expect(picked.length).toBeLessThanOrEqual(2000);
    expect(picked[0]).toBe(0);
    expect(picked[picked.length - 1]).toBe(99_999);
    expect(picked).toContain(31_337);
    expect(picked).toContain(77_777);
    expect(picked.every((v, i) => i === 0 || v > picked[i - 1]!)).toBe(true);
    expect(downsampleIndexes([1, 2, 3], 2000)).toEqual([0, 1, 2]);
  });

  it('draws raw and smoothed loss with lr and grad norm, skipping losses that are not numbers', () => {
    const points = [point(1, 1), point(2, Number.NaN), point(3, 0.5)];
    const curve = lossCurve(points, 0);
    expect(curve).toEqual([
      { step: 1, loss: 1, smoothed: 1, lr: 1e-4, gradNorm: 0.5 },
      { step: 3, loss: 0.5, smoothed: 0.5, lr: 1e-4, gradNorm: 0.5 },
    ]);
  });
});
