import { describe, expect, it } from 'vitest';
import type { TimestepSampling } from '@lora-studio/api';
import { SeededRandom } from '@lora-studio/onnx';
import { flowMatchingPair, sampleTimestep, shiftTimestep } from './flow-matching';

function draws(sampling: TimestepSampling, n = 4000): number[] {
  const rng = new SeededRandom(11);
  return Array.from({ length: n }, () => sampleTimestep(rng, sampling));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('flow-matching objective', () => {
  it('mixes image and noise by t and targets ε − x0', () => {
    const x0 = new Float32Array([1, 2, 3, 4]);
    const noise = new Float32Array([0, 0, 1, 1]);
    const { xt, target } = flowMatchingPair(x0, noise, [0.25, 0.5]);
    expect(Array.from(xt)).toEqual([0.75, 1.5, 2, 2.5]);
    expect(Array.from(target)).toEqual([-1, -2, -2, -3]);
  });

  it('shift maps t to s·t / (1 + (s − 1)·t)', () => {
    expect(shiftTimestep(0.5, 1)).toBe(0.5);
    expect(shiftTimestep(0.5, 3)).toBeCloseTo(0.75, 12);
    expect(shiftTimestep(0.25, 3)).toBeCloseTo(0.5, 12);
  });

  it('samples every kind inside (0, 1) with the expected centre', () => {
    const uniform = draws({ kind: 'uniform', shift: 1 });
    expect(Math.abs(mean(uniform) - 0.5)).toBeLessThan(0.02);
    const logit = draws({ kind: 'logit-normal', mean: 0, std: 1 });
    expect(Math.abs(median(logit) - 0.5)).toBeLessThan(0.03);
    const shifted = draws({ kind: 'sigmoid', scale: 1, shift: 3 });
    // The median of sigmoid(N(0,1)) is 0.5; shift 3 moves it to 0.75.
    expect(Math.abs(median(shifted) - 0.75)).toBeLessThan(0.03);
    for (const t of [...uniform, ...logit, ...shifted]) expect(t > 0 && t < 1).toBe(true);
  });

  it('logit-normal mean moves the centre', () => {
    expect(median(draws({ kind: 'logit-normal', mean: 1, std: 1 }))).toBeGreaterThan(0.68);
  });
});
