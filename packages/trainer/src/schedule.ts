// Learning-rate schedules as pure functions of the optimizer step (docs/training-guide.md §Presets: subject →
// cosine with restarts, style → constant with warmup, object → cosine). `step` counts optimizer updates from 0.

import { schedulers, type Scheduler } from '@lora-studio/api';

export type { Scheduler };
/** The scheduler names, as the API's settings schema lists them. */
export const SCHEDULERS = schedulers;

export interface Schedule {
  scheduler: Scheduler;
  lr: number;
  totalSteps: number;
  /** Linear ramp from lr/warmup to lr over the first `warmupSteps` steps; ignored by 'constant'. */
  warmupSteps: number;
  /** Cosine cycles for 'cosine-with-restarts'. */
  cycles: number;
}

/**
 * lr at 0-based step s, with warmup W and total T:
 *   s < W (every scheduler but 'constant'): lr · (s + 1) / W  — the first update already moves, the W-th is at full lr
 *   p = (s − W) / (T − W) the progress after warmup, in [0, 1)
 *   constant / constant-with-warmup: lr
 *   linear: lr · (1 − p)
 *   cosine: lr · ½ (1 + cos πp)
 *   cosine-with-restarts: lr · ½ (1 + cos π·frac(cycles · p)) — jumps back to lr at the start of each cycle
 */
export function learningRateAt(step: number, s: Schedule): number {
  if (s.scheduler === 'constant') return s.lr;
  const warmup = Math.max(0, Math.floor(s.warmupSteps));
  if (step < warmup) return (s.lr * (step + 1)) / warmup;
  if (s.scheduler === 'constant-with-warmup') return s.lr;
  const span = Math.max(1, s.totalSteps - warmup);
  const p = Math.min(1, (step - warmup) / span);
  switch (s.scheduler) {
    case 'linear':
      return s.lr * (1 - p);
    case 'cosine':
      return s.lr * 0.5 * (1 + Math.cos(Math.PI * p));
    case 'cosine-with-restarts': {
      if (p >= 1) return 0;
      const inCycle = (Math.max(1, s.cycles) * p) % 1;
      return s.lr * 0.5 * (1 + Math.cos(Math.PI * inCycle));
    }
  }
}

export function isScheduler(name: string): name is Scheduler {
  return (SCHEDULERS as readonly string[]).includes(name);
}
