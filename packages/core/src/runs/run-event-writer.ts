// How a run's training events become project state: metric rows (in batches), progress, checkpoints, samples,
// alerts and status, each pushed to the UI. Used for runs on this machine and runs on the queue alike, so the
// project store has one writer of run state whichever machine trains.
import type { MetricPoint } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';
import type { TrainingEvent } from '@lora-studio/trainer';
import { relative } from 'node:path';
import type { StudioContext } from '../context';
import { RunRows } from './run-rows';

/** Metrics are written and pushed in batches: at most this often, so a fast run never floods SQLite or the UI. */
const FLUSH_MS = 250;

export class RunEventWriter {
  private pending: MetricPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the last 'run-preparing' went out (ms), to thin per-image progress. */
  private lastPreparing = 0;

  constructor(private readonly ctx: StudioContext, readonly store: ProjectStore, readonly runId: number) {}

  apply(e: TrainingEvent): void {
    const rows = new RunRows(this.store);
    const rel = (p: string) => relative(this.store.dir, p);
    switch (e.type) {
      case 'preparing': {
        // Per-image progress can come thousands of times; a few updates a second are plenty to watch.
        const now = Date.now();
        if (e.done !== undefined && e.done !== e.total && now - this.lastPreparing < 250) break;
        this.lastPreparing = now;
        this.ctx.emit('run-preparing', { dir: this.store.dir, runId: this.runId, preparing: { stage: e.stage, done: e.done, total: e.total } });
        break;
      }
      case 'started':
        rows.setProgress(this.runId, { step: e.step, totalSteps: e.totalSteps });
        rows.setConfig(this.runId, e.config);
        rows.setStatus(this.runId, 'running');
        this.emitRun();
        break;
      case 'step':
        this.pending.push({
          step: e.step,
          loss: e.loss,
          lr: e.lr,
          gradNorm: e.gradNorm,
          stepMs: e.stepMs,
          smoothedLoss: e.smoothedLoss,
          samplesPerSecond: e.samplesPerSecond,
          memoryMb: e.memoryMb,
        });
        this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
        break;
      case 'checkpoint-saved': {
        this.flush();
        const checkpoint = rows.addCheckpoint(this.runId, e.step, rel(e.path));
        this.ctx.emit('run-checkpoint', { dir: this.store.dir, runId: this.runId, checkpoint });
        break;
      }
      case 'sample-written': {
        const sample = { step: e.step, prompt: e.prompt, seed: e.seed, file: rel(e.path), requested: e.requested };
        // A resumed run draws the samples after its checkpoint again, into the same files: listed once.
        if (rows.hasSample(this.runId, sample)) break;
        rows.addSample(this.runId, sample);
        this.ctx.emit('run-sample', { dir: this.store.dir, runId: this.runId, sample });
        break;
      }
      case 'loss-alert': {
        const alert = { kind: e.kind, step: e.step, message: e.message };
        rows.addAlert(this.runId, alert);
        this.ctx.emit('run-alert', { dir: this.store.dir, runId: this.runId, alert });
        break;
      }
      case 'paused':
        this.flush();
        rows.setStatus(this.runId, 'paused', 'Paused. Resume continues from this step; you can also close the studio and resume later from the last checkpoint.');
        this.emitRun();
        break;
      case 'resumed':
        rows.setStatus(this.runId, 'running');
        this.emitRun();
        break;
      case 'finished':
        this.flush();
        rows.setProgress(this.runId, { step: e.step, finalLoss: e.finalLoss });
        break;
      default:
        break;
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const points = this.pending;
    this.pending = [];
    const rows = new RunRows(this.store);
    rows.addMetrics(this.runId, points);
    const last = points[points.length - 1]!;
    rows.setProgress(this.runId, { step: last.step, finalLoss: last.loss });
    this.ctx.emit('run-metrics', { dir: this.store.dir, runId: this.runId, points });
  }

  emitRun(): void {
    emitRunChanged(this.ctx, this.store, this.runId);
  }
}

/** Pushes a run's summary to the UI after its row changed, wherever it trains. */
export function emitRunChanged(ctx: StudioContext, store: ProjectStore, runId: number): void {
  const run = new RunRows(store).summary(runId);
  if (run) ctx.emit('run-changed', { dir: store.dir, runId, run });
}
