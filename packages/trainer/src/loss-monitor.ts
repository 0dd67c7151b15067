// Watches the loss as the training guide's rule says ("stop early on plateau or rise"): a smoothed value for display, a hard stop on NaN/Inf, and one event when the loss plateaus or rises. Its state is
// checkpointed so a resumed run reports the same smoothed values and events.
//
// The trend is judged on the concept rows' loss (the rows that teach the LoRA), not the mixed loss: preserved rows
// sit near zero, so a batch that happens to hold more concept rows looks like a rise. A rise must also be
// statistically real — a one-sided Welch t-test of the window against the best window — and is reported once per
// trend: the next alert needs the loss to come back first.

export interface LossMonitorState {
  /** Exponential moving average before bias correction, and how many losses it has seen. */
  ema: number;
  count: number;
  /** The open window of trend losses: count, sum and sum of squares (enough for a mean and a variance). */
  windowSum: number;
  windowCount: number;
  windowSumSq?: number;
  /** Lowest window mean so far; null until the first window closes. */
  best: number | null;
  /** Variance and size of the best window, for the t-test. */
  bestVariance?: number;
  bestCount?: number;
  /** Consecutive closed windows without a meaningful improvement on `best`. */
  stale: number;
  /** A rise has been reported and the loss has not come back since. */
  riseReported?: boolean;
}

export type LossEvent =
  | { kind: 'plateau'; step: number; windowMean: number; best: number; windows: number }
  | { kind: 'rise'; step: number; windowMean: number; best: number };

export interface LossMonitorOptions {
  /** EMA factor of the smoothed loss. */
  smoothing: number;
  /** Trend losses per window for plateau/rise detection. */
  window: number;
  /** A window mean more than this fraction below the best counts as progress. */
  minImprovement: number;
  /** Windows without progress before a plateau is reported. */
  patience: number;
  /** A window mean this fraction above the best may be a rise (if the t-test agrees). */
  riseTolerance: number;
  /** Welch t statistic above which a rise is real (3 ≈ one-sided p < 0.005 at the window sizes used). */
  riseT: number;
}

export function defaultMonitorOptions(totalSteps: number): LossMonitorOptions {
  return { smoothing: 0.95, window: Math.max(10, Math.round(totalSteps / 20)), minImprovement: 0.02, patience: 3, riseTolerance: 0.15, riseT: 3 };
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(readonly step: number, readonly loss: number) {
    super(
      `The loss became ${loss} at step ${step}: training diverged. The last good checkpoint is kept. ` +
        'Lower the learning rate (or keep gradient clipping on) and resume from that checkpoint, or start again.',
    );
  }
}

/** Welch's t for "mean a is above mean b", from each sample's mean, variance and size. */
export function welchT(a: { mean: number; variance: number; n: number }, b: { mean: number; variance: number; n: number }): number {
  const se = Math.sqrt(a.variance / a.n + b.variance / b.n);
  if (se === 0) return a.mean > b.mean ? Infinity : 0;
  return (a.mean - b.mean) / se;
}

export class LossMonitor {
  private s: Required<LossMonitorState>;

  constructor(readonly options: LossMonitorOptions, state?: LossMonitorState) {
    // Checkpoints from before the t-test lack the variance fields; a variance of 0 makes their first window exact.
    this.s = { windowSumSq: 0, bestVariance: 0, bestCount: 0, riseReported: false, ema: 0, count: 0, windowSum: 0, windowCount: 0, best: null, stale: 0, ...state };
  }

  state(): LossMonitorState {
    return { ...this.s };
  }

  /**
   * Adds one step's loss; returns the smoothed loss and any plateau/rise event. `trendLoss` is the concept rows' loss
   * of this step (null: the step had none, so it adds nothing to the trend); without it the loss itself is used.
   * Throws on NaN/Inf.
   */
  observe(step: number, loss: number, trendLoss: number | null = loss): { smoothed: number; event?: LossEvent } {
    if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss);
    const s = this.s;
    const b = this.options.smoothing;
    s.ema = b * s.ema + (1 - b) * loss;
    s.count++;
    const smoothed = s.ema / (1 - b ** s.count);
    if (trendLoss === null || !Number.isFinite(trendLoss)) return { smoothed };
    s.windowSum += trendLoss;
    s.windowSumSq += trendLoss * trendLoss;
    s.windowCount++;
    if (s.windowCount < this.options.window) return { smoothed };
    const n = s.windowCount;
    const mean = s.windowSum / n;
    const variance = n > 1 ? Math.max(0, (s.windowSumSq - n * mean * mean) / (n - 1)) : 0;
    s.windowSum = 0;
    s.windowSumSq = 0;
    s.windowCount = 0;
    if (s.best === null || mean < s.best * (1 - this.options.minImprovement)) {
      s.best = mean;
      s.bestVariance = variance;
      s.bestCount = n;
      s.stale = 0;
      s.riseReported = false;
      return { smoothed };
    }
    const best = s.best;
    s.stale++;
    const rising = mean > best * (1 + this.options.riseTolerance)
      && welchT({ mean, variance, n }, { mean: best, variance: s.bestVariance, n: s.bestCount }) > this.options.riseT;
    if (rising) {
      if (s.riseReported) return { smoothed };
      s.riseReported = true;
      return { smoothed, event: { kind: 'rise', step, windowMean: mean, best } };
    }
    s.riseReported = false;
    if (mean < best) {
      s.best = mean;
      s.bestVariance = variance;
      s.bestCount = n;
    }
    if (s.stale === this.options.patience) return { smoothed, event: { kind: 'plateau', step, windowMean: mean, best: s.best, windows: s.stale } };
    return { smoothed };
  }
}
