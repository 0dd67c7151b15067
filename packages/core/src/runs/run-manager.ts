import { ApiFailure, type RunSummary, type TrainingOverrides, type TrainingSettings } from '@lora-studio/api';
import { setBackgroundAnalysisPaused } from '@lora-studio/media';
import type { ProjectStore } from '@lora-studio/store';
import { TrainingWorker, type RuntimeOptions, type TrainingEvent, type WorkerExit } from '@lora-studio/trainer';
import { join } from 'node:path';
import type { StudioContext } from '../context';
import { emitRunChanged, RunEventWriter } from './run-event-writer';
import { RunRows } from './run-rows';

interface QueuedRun {
  store: ProjectStore;
  runId: number;
  launch: (onEvent: (e: TrainingEvent) => void) => TrainingWorker;
}

interface ActiveRun extends QueuedRun {
  worker: TrainingWorker;
  writer: RunEventWriter;
}

export interface RunManagerOptions {
  runtime?: RuntimeOptions;
  heartbeatTimeoutMs?: number;
}

/** What the runs handlers need from whoever trains: this machine (RunManager) or the run queue (QueueRunManager). */
export interface RunExecutor {
  /** On opening a project: settle or pick up again the runs a closed studio left unfinished. */
  reconcile(store: ProjectStore): void;
  start(store: ProjectStore, name: string, settings: TrainingSettings, overrides: TrainingOverrides, baseModel: string): RunSummary;
  pause(store: ProjectStore, runId: number): RunSummary;
  resume(store: ProjectStore, runId: number): RunSummary;
  stop(store: ProjectStore, runId: number): RunSummary;
  saveCheckpoint(store: ProjectStore, runId: number): RunSummary;
  sampleNow(store: ProjectStore, runId: number, prompt: string, seed?: number): RunSummary;
  whenIdle(): Promise<void>;
  shutdown(): void;
}

/**
 * Owns the training worker: one run on the device at a time, the rest queued. The worker writes only files and
 * reports events; this class is the single writer of run state in the project stores.
 */
export class RunManager implements RunExecutor {
  private active: ActiveRun | undefined;
  private readonly queue: QueuedRun[] = [];
  private readonly idle = new Set<() => void>();

  constructor(private readonly ctx: StudioContext, private readonly options: RunManagerOptions = {}) {}

  /** On opening a project: runs marked running/paused/queued with no worker here were cut off by a crash or exit. */
  reconcile(store: ProjectStore): void {
    const rows = new RunRows(store);
    for (const id of rows.unfinished()) {
      // A queue run trains elsewhere: the queue's manager follows it again.
      if (this.isLive(store, id) || rows.queueLink(id)) continue;
      rows.setStatus(id, 'interrupted', 'The studio or the training worker stopped while this run was in progress. Resume it to continue from its last checkpoint.');
    }
  }

  start(store: ProjectStore, name: string, settings: TrainingSettings, overrides: TrainingOverrides, baseModel: string): RunSummary {
    const rows = new RunRows(store);
    const runId = rows.create({ name, config: settings, baseModel, totalSteps: Number(settings.steps) });
    const runDir = join(store.dir, 'runs', String(runId));
    this.enqueue({
      store,
      runId,
      launch: (onEvent) =>
        TrainingWorker.start(
          { dataset: store.dir, base: baseModel, runDir, overrides },
          { onEvent, ...this.workerOptions() },
        ),
    });
    return rows.summary(runId)!;
  }

  pause(store: ProjectStore, runId: number): RunSummary {
    this.live(store, runId, 'pause').worker.pause();
    return new RunRows(store).summary(runId)!;
  }

  /** A paused run continues in its worker; a stopped, failed or interrupted one continues from its last checkpoint. */
  resume(store: ProjectStore, runId: number): RunSummary {
    const rows = new RunRows(store);
    const row = rows.row(runId);
    if (!row) throw new ApiFailure('not-found', `There is no run ${runId} in this project.`);
    if (this.isLive(store, runId)) {
      if (row.status === 'paused') this.active!.worker.resume();
      return rows.summary(runId)!;
    }
    if (this.queue.some((q) => q.store === store && q.runId === runId)) return rows.summary(runId)!;
    if (row.status === 'finished') throw new ApiFailure('conflict', 'This run has finished. Start a new run to train further.');
    const runDir = join(store.dir, row.dir);
    rows.setStatus(runId, 'queued');
    this.enqueue({ store, runId, launch: (onEvent) => TrainingWorker.continueRun(runDir, { onEvent, ...this.workerOptions() }) });
    return rows.summary(runId)!;
  }

  stop(store: ProjectStore, runId: number): RunSummary {
    const rows = new RunRows(store);
    const queued = this.queue.findIndex((q) => q.store === store && q.runId === runId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      rows.setStatus(runId, 'stopped', 'Stopped before it started.');
    } else {
      this.live(store, runId, 'stop').worker.stop();
    }
    return rows.summary(runId)!;
  }

  saveCheckpoint(store: ProjectStore, runId: number): RunSummary {
    this.live(store, runId, 'save a checkpoint of').worker.saveCheckpointNow();
    return new RunRows(store).summary(runId)!;
  }

  sampleNow(store: ProjectStore, runId: number, prompt: string, seed?: number): RunSummary {
    this.live(store, runId, 'sample').worker.sampleNow(prompt, seed);
    return new RunRows(store).summary(runId)!;
  }

  /** For tests and shutdown: resolves when no run is active or queued. */
  whenIdle(): Promise<void> {
    if (!this.active && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** The worker of the active run (tests kill it to simulate a crash). */
  activeWorker(): TrainingWorker | undefined {
    return this.active?.worker;
  }

  /** Closing the studio: the worker is stopped hard; the run shows as interrupted next time and resumes exactly. */
  shutdown(): void {
    this.queue.length = 0;
    this.active?.worker.kill();
  }

  private workerOptions() {
    return {
      ...(this.options.runtime ? { runtime: this.options.runtime } : {}),
      ...(this.options.heartbeatTimeoutMs ? { heartbeatTimeoutMs: this.options.heartbeatTimeoutMs } : {}),
    };
  }

  private isLive(store: ProjectStore, runId: number): boolean {
    return this.active?.store === store && this.active.runId === runId;
  }

  private live(store: ProjectStore, runId: number, verb: string): ActiveRun {
    if (!this.isLive(store, runId)) {
      throw new ApiFailure('conflict', `Run ${runId} is not training right now, so there is nothing to ${verb}.`);
    }
    return this.active!;
  }

  private enqueue(item: QueuedRun): void {
    this.queue.push(item);
    emitRunChanged(this.ctx, item.store, item.runId);
    this.next();
  }

  private next(): void {
    if (this.active) return;
    const item = this.queue.shift();
    setBackgroundAnalysisPaused(item !== undefined);
    if (!item) {
      for (const resolve of this.idle) resolve();
      this.idle.clear();
      return;
    }
    const rows = new RunRows(item.store);
    rows.setStatus(item.runId, 'running');
    emitRunChanged(this.ctx, item.store, item.runId);
    const active: ActiveRun = { ...item, worker: undefined as unknown as TrainingWorker, writer: new RunEventWriter(this.ctx, item.store, item.runId) };
    this.active = active;
    active.worker = item.launch((e) => active.writer.apply(e));
    void active.worker.exited.then((exit) => this.onExit(active, exit));
  }

  private onExit(run: ActiveRun, exit: WorkerExit): void {
    run.writer.flush();
    const rows = new RunRows(run.store);
    switch (exit.reason) {
      case 'finished':
        rows.setStatus(run.runId, 'finished');
        break;
      case 'stopped':
        rows.setStatus(run.runId, 'stopped', `Stopped at step ${exit.step}. Resume continues from the last checkpoint.`);
        break;
      case 'failed':
        rows.setStatus(run.runId, 'failed', exit.message);
        break;
      case 'setup-failed':
        rows.setStatus(run.runId, 'failed', exit.message);
        break;
      case 'crashed':
      case 'unresponsive':
        rows.setStatus(run.runId, 'interrupted', exit.message);
        break;
    }
    emitRunChanged(this.ctx, run.store, run.runId);
    this.active = undefined;
    this.next();
  }
}
