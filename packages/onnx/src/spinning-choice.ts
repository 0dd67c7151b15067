// Whether a graph's CPU session should let its idle intra-op threads busy-wait during a run. On a quiet machine
// spinning saves the wake-up of the second thread at every parallel node (the default model's training step: 183–194
// instead of 205–258 ms at two threads); when another busy process shares the cores, the spinning threads take turns
// with it and the step takes 370–441 instead of 216–234 ms. Which one wins depends on what else the machine is doing
// at the time, so it is measured, not guessed.
//
// One kind runs at a time (a second live session would hold a second copy of the weights and activations: +140 MiB
// for the default model's step): a trial of each, then the faster for `retryEvery` runs, then a trial of the other,
// and so on. Each change of kind means a new session, so trials are short and rare.

export type SessionKind = 'blocking' | 'spinning';

export interface SpinningChoiceOptions {
  /** Runs at the start of each stint not counted (a new session's first runs allocate its buffers). */
  warmup: number;
  /** Runs counted per trial; their median is compared. */
  window: number;
  /** Runs of the faster kind before the other is tried again, so a change in load is noticed. */
  retryEvery: number;
}

// A session takes about a second to create (the default model's step), so a change of kind costs ~5 steps: trials
// of 10 runs, then 500 of the faster. The first few runs of a new session are slower while its arena grows.
const DEFAULTS: SpinningChoiceOptions = { warmup: 3, window: 7, retryEvery: 500 };

export class SpinningChoice {
  private readonly recent: Record<SessionKind, number[]> = { blocking: [], spinning: [] };
  private readonly runs: Record<SessionKind, number> = { blocking: 0, spinning: 0 };
  private readonly o: SpinningChoiceOptions;
  private kind: SessionKind = 'blocking';
  /** Runs recorded in the current stint, and its length. */
  private done = 0;
  private length: number;
  private trial = true;
  private best: SessionKind | undefined;

  constructor(options: Partial<SpinningChoiceOptions> = {}) {
    this.o = { ...DEFAULTS, ...options };
    this.length = this.o.warmup + this.o.window;
  }

  /** The kind the next run should use. */
  next(): SessionKind {
    if (this.done >= this.length) this.endStint();
    return this.kind;
  }

  /** Records how long a run took (once per run, after it, with the kind `next` gave). */
  record(kind: SessionKind, ms: number): void {
    if (kind !== this.kind) return;
    this.runs[kind]++;
    if (++this.done <= this.o.warmup) return;
    const r = this.recent[kind];
    r.push(ms);
    if (r.length > this.o.window) r.shift();
  }

  /** Keeps `kind` from now on (the other kind could not be created): no more trials, runs still counted. */
  stay(kind: SessionKind): void {
    this.kind = kind;
    this.trial = false;
    this.done = this.o.warmup;
    this.length = Infinity;
  }

  /** The kind with the lower median of its recent runs (blocking until both have been timed). */
  faster(): SessionKind {
    const b = median(this.recent.blocking);
    const s = median(this.recent.spinning);
    return s !== undefined && b !== undefined && s < b ? 'spinning' : 'blocking';
  }

  /** How many runs each kind has had (for reports). */
  counts(): Record<SessionKind, number> {
    return { ...this.runs };
  }

  private endStint(): void {
    if (this.best === undefined && this.kind === 'blocking') {
      this.start('spinning', true);
    } else if (this.trial) {
      this.best = this.faster();
      this.start(this.best, false);
    } else {
      this.start(this.best === 'spinning' ? 'blocking' : 'spinning', true);
    }
  }

  private start(kind: SessionKind, trial: boolean): void {
    // A stint that goes on with the kind just measured has no new session to warm up.
    const fresh = kind !== this.kind;
    this.kind = kind;
    this.trial = trial;
    this.done = fresh ? 0 : this.o.warmup;
    this.length = trial ? this.o.warmup + this.o.window : this.o.warmup + this.o.retryEvery;
    if (trial) this.recent[kind] = [];
  }
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
