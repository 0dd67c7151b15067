import { describe, expect, it } from 'vitest';
import { learningRateAt, type Schedule } from './schedule';

const base: Omit<Schedule, 'scheduler'> = { lr: 1e-3, totalSteps: 110, warmupSteps: 10, cycles: 2 };
const at = (scheduler: Schedule['scheduler'], step: number, over: Partial<Schedule> = {}) => learningRateAt(step, { ...base, scheduler, ...over });

describe('learning-rate schedules', () => {
  it('constant ignores warmup', () => {
    expect([0, 5, 50, 109].map((s) => at('constant', s))).toEqual([1e-3, 1e-3, 1e-3, 1e-3]);
  });

  it('warmup ramps linearly to the full rate at the end of warmup', () => {
    for (const scheduler of ['constant-with-warmup', 'linear', 'cosine', 'cosine-with-restarts'] as const) {
      expect(at(scheduler, 0)).toBeCloseTo(1e-4, 15);
      expect(at(scheduler, 4)).toBeCloseTo(5e-4, 15);
      expect(at(scheduler, 9)).toBeCloseTo(1e-3, 15);
    }
    expect(at('constant-with-warmup', 10)).toBe(1e-3);
    expect(at('constant-with-warmup', 109)).toBe(1e-3);
  });

  it('linear decays to zero over the steps after warmup', () => {
    expect(at('linear', 10)).toBeCloseTo(1e-3, 15);
    expect(at('linear', 60)).toBeCloseTo(0.5e-3, 15);
    expect(at('linear', 85)).toBeCloseTo(0.25e-3, 15);
  });

  it('cosine follows ½(1 + cos πp)', () => {
    expect(at('cosine', 10)).toBeCloseTo(1e-3, 15);
    expect(at('cosine', 35)).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), 15);
    expect(at('cosine', 60)).toBeCloseTo(0.5e-3, 15);
    expect(at('cosine', 109)).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.99)), 15);
  });

  it('cosine with restarts jumps back to the full rate at the start of each cycle', () => {
    // 2 cycles over 100 post-warmup steps: restart at step 60.
    expect(at('cosine-with-restarts', 35)).toBeCloseTo(0.5e-3, 15);
    expect(at('cosine-with-restarts', 59)).toBeLessThan(1e-5);
    expect(at('cosine-with-restarts', 60)).toBeCloseTo(1e-3, 15);
    expect(at('cosine-with-restarts', 85)).toBeCloseTo(0.5e-3, 15);
    expect(at('cosine-with-restarts', 35, { cycles: 1 })).toBeCloseTo(at('cosine', 35), 15);
  });

  it('no warmup starts at the full rate', () => {
    expect(at('cosine', 0, { warmupSteps: 0 })).toBe(1e-3);
  });
});
