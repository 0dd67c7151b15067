import type { MetricPoint } from '@lora-studio/api';

/** One drawn point of the loss chart; the keys are the chart's stable `dataKey`s. */
export interface LossChartPoint {
  step: number;
  loss: number;
  smoothed: number;
  lr: number;
  gradNorm: number | null;
}

/** A run of 10⁴–10⁵ steps is drawn from at most this many points: about a low and a high per pixel column of the chart; more only costs time. */
export const MAX_CHART_POINTS = 1200;

/**
 * Adds newly arrived points to a run's series. Points are kept in step order; a batch that starts at or before the
 * last known step replaces everything from there (a run resumed from its last checkpoint trains those steps again).
 */
export function appendPoints(existing: MetricPoint[], incoming: MetricPoint[]): MetricPoint[] {
  if (incoming.length === 0) return existing;
  const first = incoming[0]!.step;
  if (existing.length === 0 || existing[existing.length - 1]!.step < first) return existing.concat(incoming);
  let lo = 0;
  let hi = existing.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (existing[mid]!.step < first) lo = mid + 1;
    else hi = mid;
  }
  return existing.slice(0, lo).concat(incoming);
}

/** Exponential moving average from one end, corrected at the start so the first points are not pulled towards 0. */
function ema(values: Float64Array, weight: number, backwards: boolean): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let acc = 0;
  let norm = 0;
  for (let k = 0; k < n; k++) {
    const i = backwards ? n - 1 - k : k;
    acc = weight * acc + (1 - weight) * values[i]!;
    norm = weight * norm + (1 - weight);
    out[i] = acc / norm;
  }
  return out;
}

/**
 * Two-sided smoothing: the mean of a forward and a backward EMA. A one-sided EMA lags behind the loss, so a
 * drop would show late; this one is symmetric around each step. `weight` 0 leaves the values as they are.
 */
export function smoothTwoSided(values: ArrayLike<number>, weight: number): Float64Array {
  const raw = Float64Array.from(values as ArrayLike<number>);
  if (weight <= 0 || raw.length < 2) return raw;
  const w = Math.min(weight, 0.999);
  const forward = ema(raw, w, false);
  const backward = ema(raw, w, true);
  for (let i = 0; i < raw.length; i++) raw[i] = (forward[i]! + backward[i]!) / 2;
  return raw;
}

/**
 * Which indexes of `values` to draw so at most `max` remain: per bucket of neighbouring steps, the lowest and the
 * highest value, in step order, so spikes and dips survive (an average would hide them).
 */
export function downsampleIndexes(values: ArrayLike<number>, max: number): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const size = (n - 2) / buckets;
  const picked: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size);
    const end = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    if (start >= end) continue;
    let lowest = start;
    let highest = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i]! < values[lowest]!) lowest = i;
      if (values[i]! > values[highest]!) highest = i;
    }
    if (lowest === highest) picked.push(lowest);
    else picked.push(Math.min(lowest, highest), Math.max(lowest, highest));
  }
  picked.push(n - 1);
  return picked;
}

/** The series the chart draws: raw and smoothed loss over all points, then thinned to `max` points. */
export function lossCurve(points: MetricPoint[], smoothing: number, max = MAX_CHART_POINTS): LossChartPoint[] {
  const finite = points.filter((p) => Number.isFinite(p.loss));
  const losses = finite.map((p) => p.loss);
  const smoothed = smoothTwoSided(losses, smoothing);
  return downsampleIndexes(losses, max).map((i) => {
    const p = finite[i]!;
    return { step: p.step, loss: p.loss, smoothed: smoothed[i]!, lr: p.lr, gradNorm: p.gradNorm };
  });
}
