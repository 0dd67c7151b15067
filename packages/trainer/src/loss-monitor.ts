// Watches the loss as the guide says to (GUIDE §4): smoothed value for display, a hard stop on NaN/Inf, and
// events when the loss plateaus or rises ("stop early on plateau or rise"). Its state is checkpointed so a
// resumed run reports the same smoothed values and events.

export interface LossMonitorState {
  /** Exponential moving average before bias correction, and how many losses it has seen. */
  ema: number;
  count: number;
  windowSum: number;
  windowCount: number;
  /** Lowest window mean so far; null until the first window closes. */
  best: number | null;
  /** Consecutive closed windows without a meaningful improvement on `best`. */
  stale: number;
}

export type LossEvent =
  | { kind: 'plateau'; step: number; windowMean: number; best: number; windows: number }
  | { kind: 'rise'; step: number; windowMean: number; best: number };

export interface LossMonitorOptions {
  /** EMA factor of the smoothed loss. */
  smoothing: number;
  /** Steps per window for plateau/rise detection. */
  window: number;
  /** A window mean more than this fraction below the best counts as progress. */
  minImprovement: number;
  /** Windows without progress before a plateau is reported. */
  patience: number;
  /** A window mean this fraction above the best is a rise. */
  riseTolerance: number;
}

export function defaultMonitorOptions(totalSteps: number): LossMonitorOptions {
  return { smoothing: 0.95, window: Math.max(10, Math.round(totalSteps / 20)), minImprovement: 0.02, patience: 3, riseTolerance: 0.15 };
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

export class LossMonitor {
  private s: LossMonitorState;

  constructor(readonly options: LossMonitorOptions, state?: LossMonitorState) {
    this.s = state ? { ...state } : { ema: 0, count: 0, windowSum: 0, windowCount: 0, best: null, stale: 0 };
  }

  state(): LossMonitorState {
    return { ...this.s };
  }

  /** Adds one step's loss; returns the smoothed loss and any plateau/rise event. Throws on NaN/Inf. */
  observe(step: number, loss: number): { smoothed: number; event?: LossEvent } {
    if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss);
    const s = this.s;
    const b = this.options.smoothing;
    s.ema = b * s.ema + (1 - b) * loss;
    s.count++;
    const smoothed = s.ema / (1 - b ** s.count);
    s.windowSum += loss;
    s.windowCount++;
    if (s.windowCount < this.options.window) return { smoothed };
    const mean = s.windowSum / s.windowCount;
    s.windowSum = 0;
    s.windowCount = 0;
    if (s.best === null || mean < s.best * (1 - this.options.minImprovement)) {
      s.best = s.best === null ? mean : Math.min(s.best, mean);
      s.stale = 0;
      return { smoothed };
    }
    const best = s.best;
    if (mean > best * (1 + this.options.riseTolerance)) {
      s.stale++;
      return { smoothed, event: { kind: 'rise', step, windowMean: mean, best } };
    }
    s.best = Math.min(best, mean);
    s.stale++;
    if (s.stale === this.options.patience) return { smoothed, event: { kind: 'plateau', step, windowMean: mean, best: s.best, windows: s.stale } };
    return { smoothed };
  }
}
