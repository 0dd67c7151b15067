import type { MetricPoint } from '@lora-studio/api';

/** Steps seen before an ETA is shown: the first steps include loading and compiling, and would mislead. */
const STEPS_BEFORE_ETA = 3;
/** Speed is the median of the latest steps: steady, yet it follows a change (a checkpoint, a sample) quickly. */
const RECENT_STEPS = 20;

export interface RunTiming {
  /** Milliseconds per step, recently; null before any step. */
  stepMs: number | null;
  /** Time spent training (pauses excluded). */
  elapsedMs: number;
  /** Null while estimating. */
  etaMs: number | null;
}

export function runTiming(points: MetricPoint[], totalSteps: number): RunTiming {
  let elapsedMs = 0;
  const timed: number[] = [];
  for (const p of points) {
    if (p.stepMs === null || !Number.isFinite(p.stepMs)) continue;
    elapsedMs += p.stepMs;
    timed.push(p.stepMs);
  }
  if (timed.length === 0) return { stepMs: null, elapsedMs, etaMs: null };
  const recent = timed.slice(-RECENT_STEPS).sort((a, b) => a - b);
  const stepMs = recent[Math.floor(recent.length / 2)]!;
  const step = points[points.length - 1]!.step;
  const etaMs = timed.length < STEPS_BEFORE_ETA ? null : Math.max(0, totalSteps - step) * stepMs;
  return { stepMs, elapsedMs, etaMs };
}

/** it/s at one step per second or faster, s/it when slower (the convention trainers print). */
export function formatSpeed(stepMs: number | null): string {
  if (stepMs === null || stepMs <= 0) return '—';
  return stepMs <= 1000 ? `${(1000 / stepMs).toFixed(2)} it/s` : `${(stepMs / 1000).toFixed(2)} s/it`;
}

/** "1h 12m", "4m 05s", "12s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function formatLoss(loss: number | null): string {
  if (loss === null || !Number.isFinite(loss)) return '—';
  return loss < 0.001 ? loss.toExponential(2) : loss.toFixed(4);
}
