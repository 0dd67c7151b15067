// The run manager for runs on the run queue: uploads a run's dataset and queues it, then follows its event stream
// into the project — the same RunEventWriter as a local run, so the project store keeps one writer — downloading
// checkpoints, samples and the LoRA into the run folder. The last applied event is kept in the run's row, so a
// studio that closes and opens again continues where it stopped. Controls reach the worker through the queue.
import { ApiFailure, DEFAULT_BASE_MODEL, type RunSummary, type TrainingOverrides, type TrainingSettings } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';
import { projectBaseModel } from '@lora-studio/store';
import { join } from 'node:path';
import type { StudioContext } from '../context';
import { emitRunChanged, RunEventWriter } from '../runs/run-event-writer';
import type { RunExecutor } from '../runs/run-manager';
import { RunRows, type QueueLink } from '../runs/run-rows';
import type { RunControl } from './run-control';
import { RunQueueClient, type FollowedEvent, type QueueConnection } from './run-queue-client';

interface Followed {
  store: ProjectStore;
  runId: number;
  abort: AbortController;
  done: Promise<void>;
}

/** How often the places in line of queued runs are refreshed. */
const POSITION_MS = 2000;

export class QueueRunManager implements RunExecutor {
  private readonly client: RunQueueClient;
  private readonly followed = new Map<string, Followed>();
  private readonly uploads = new Set<Promise<void>>();
  private positions: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: StudioContext, readonly connection: QueueConnection) {
    this.client = new RunQueueClient(connection);
  }

  reconcile(store: ProjectStore): void {
    const rows = new RunRows(store);
    for (const id of rows.unfinished()) {
      const link = rows.queueLink(id);
      if (!link || link.queueName !== this.connection.queueName || this.followed.has(key(store, id))) continue;
      if (!link.runKey) {
        rows.setStatus(id, 'interrupted', 'The studio closed while this run\'s images were being uploaded, before it was queued. Start it again.');
        continue;
      }
      this.follow(store, id);
    }
  }

  start(store: ProjectStore, name: string, settings: TrainingSettings, overrides: TrainingOverrides, baseModel: string, labels: string[] = []): RunSummary {
    const rows = new RunRows(store);
    const runId = rows.create({ name, config: settings, baseModel, totalSteps: Number(settings.steps) });
    rows.setQueueLink(runId, { queueName: this.connection.queueName, runKey: '', lastEvent: '0', labels, worker: null, position: null });
    rows.setStatus(runId, 'queued', 'Uploading the images to the run queue…');
    const upload = (async () => {
      try {
        const { runKey } = await this.client.submit({
          dataset: store.dir, name, base: this.modelId(store, baseModel), type: settings.type, trigger: settings.trigger, overrides, labels,
        });
        this.updateLink(store, runId, { runKey });
        rows.setStatus(runId, 'queued');
        this.follow(store, runId);
      } catch (error) {
        rows.setStatus(runId, 'failed', `The run could not be queued: ${(error as Error).message}`);
      }
      emitRunChanged(this.ctx, store, runId);
    })();
    this.uploads.add(upload);
    void upload.finally(() => this.uploads.delete(upload));
    return rows.summary(runId)!;
  }

  /** Workers resolve a base model by its id in their own library, never by this machine's path. */
  private modelId(store: ProjectStore, base: string): string {
    if (base === DEFAULT_BASE_MODEL) return base;
    return projectBaseModel(store);
  }

  pause(store: ProjectStore, runId: number): RunSummary {
    return this.control(store, runId, { type: 'pause' }, 'pause');
  }

  resume(store: ProjectStore, runId: number): RunSummary {
    const rows = new RunRows(store);
    const row = rows.row(runId);
    if (!row) throw new ApiFailure('not-found', `There is no run ${runId} in this project.`);
    if (row.status === 'paused') return this.control(store, runId, { type: 'resume' }, 'resume');
    if (row.status === 'queued' || row.status === 'running') return rows.summary(runId)!;
    if (row.status === 'finished') throw new ApiFailure('conflict', 'This run has finished. Start a new run to train further.');
    const link = this.link(store, runId);
    rows.setStatus(runId, 'queued', null);
    void this.client.requeue(link.runKey).then(
      () => this.follow(store, runId),
      (error: Error) => {
        rows.setStatus(runId, 'failed', error.message);
        emitRunChanged(this.ctx, store, runId);
      },
    );
    return rows.summary(runId)!;
  }

  stop(store: ProjectStore, runId: number): RunSummary {
    return this.control(store, runId, { type: 'stop' }, 'stop');
  }

  saveCheckpoint(store: ProjectStore, runId: number): RunSummary {
    return this.control(store, runId, { type: 'save-checkpoint-now' }, 'save a checkpoint of');
  }

  sampleNow(store: ProjectStore, runId: number, prompt: string, seed?: number): RunSummary {
    return this.control(store, runId, seed === undefined ? { type: 'sample-now', prompt } : { type: 'sample-now', prompt, seed }, 'sample');
  }

  /** Resolves once no run is being uploaded or followed. */
  async whenIdle(): Promise<void> {
    while (this.uploads.size > 0 || this.followed.size > 0) {
      await Promise.all([...this.uploads, ...[...this.followed.values()].map((f) => f.done)]);
    }
  }

  /** Closing the studio: stop following (the runs go on training on the queue; reopening catches up). */
  shutdown(): void {
    for (const f of this.followed.values()) f.abort.abort();
    clearInterval(this.positions);
    this.positions = undefined;
    void Promise.all([...this.followed.values()].map((f) => f.done)).then(() => this.client.close());
  }

  /** The workers answering on this queue. */
  workers() {
    return this.client.workers();
  }

  private link(store: ProjectStore, runId: number): QueueLink {
    const link = new RunRows(store).queueLink(runId);
    if (!link) throw new ApiFailure('not-found', `Run ${runId} does not train on the run queue.`);
    if (!link.runKey) throw new ApiFailure('conflict', 'This run is still being uploaded to the queue; try again in a moment.');
    return link;
  }

  private control(store: ProjectStore, runId: number, control: RunControl, verb: string): RunSummary {
    const rows = new RunRows(store);
    const row = rows.row(runId);
    if (!row) throw new ApiFailure('not-found', `There is no run ${runId} in this project.`);
    if (!['queued', 'running', 'paused'].includes(row.status)) {
      throw new ApiFailure('conflict', `Run ${runId} is not training right now, so there is nothing to ${verb}.`);
    }
    const link = this.link(store, runId);
    void this.client.control(link.runKey, control).catch((error: Error) => {
      rows.setStatus(runId, row.status, `The run queue did not take the request to ${verb} the run: ${error.message}`);
      emitRunChanged(this.ctx, store, runId);
    });
    return rows.summary(runId)!;
  }

  private updateLink(store: ProjectStore, runId: number, change: Partial<QueueLink>): void {
    const rows = new RunRows(store);
    const link = rows.queueLink(runId);
    if (link) rows.setQueueLink(runId, { ...link, ...change });
  }

  /** Follows the run's stream from the last applied event until it ends or the studio closes. */
  private follow(store: ProjectStore, runId: number): void {
    const k = key(store, runId);
    if (this.followed.has(k)) return;
    const rows = new RunRows(store);
    const link = rows.queueLink(runId)!;
    const runDir = join(store.dir, rows.row(runId)!.dir);
    const writer = new RunEventWriter(this.ctx, store, runId);
    const abort = new AbortController();
    const done = this.client
      .follow(link.runKey, runDir, link.lastEvent, (e) => this.apply(store, runId, writer, e), {
        signal: abort.signal,
        // Not the user's doing and nothing they can fix in the run: the host's log, for whoever runs the queue.
        onSkipped: (why) => console.warn(`[lora-studio] run queue, run "${rows.row(runId)?.name ?? runId}": ${why}`),
        // The metrics of a batch are written before the cursor moves past them: nothing is skipped after a crash.
        afterBatch: (lastId) => {
          writer.flush();
          this.updateLink(store, runId, { lastEvent: lastId });
        },
      })
      .catch((error: Error) => {
        if (abort.signal.aborted) return;
        rows.setStatus(runId, 'interrupted', `The studio lost the run queue (${error.message}). The run may still be training; reopen the project to follow it again.`);
        writer.emitRun();
      })
      .then(() => undefined)
      .finally(() => {
        writer.flush();
        this.followed.delete(k);
      });
    this.followed.set(k, { store, runId, abort, done });
    this.positions ??= setInterval(() => void this.refreshPositions(), POSITION_MS);
  }

  private apply(store: ProjectStore, runId: number, writer: RunEventWriter, e: FollowedEvent): void {
    const rows = new RunRows(store);
    switch (e.type) {
      case 'submitted':
        rows.setStatus(runId, 'queued');
        this.updateLink(store, runId, { worker: null });
        writer.emitRun();
        return;
      case 'claimed':
        this.updateLink(store, runId, { worker: e.worker, position: null });
        rows.setStatus(runId, 'running');
        writer.emitRun();
        return;
      case 'refused':
        rows.setStatus(runId, 'queued', `Worker ${e.worker} cannot take this run: ${e.reason}`);
        writer.emitRun();
        return;
      case 'handed-back':
        writer.flush();
        rows.setStatus(runId, 'queued', `Worker ${e.worker} handed the run back at step ${e.step}; it continues on the next free worker from its last checkpoint.`);
        writer.emitRun();
        return;
      case 'exit':
        writer.flush();
        if (e.reason === 'finished') rows.setStatus(runId, 'finished');
        else if (e.reason === 'stopped') rows.setStatus(runId, 'stopped', e.message ?? `Stopped at step ${e.step}. Resume continues from the last checkpoint.`);
        else if (e.reason === 'failed' || e.reason === 'setup-failed') rows.setStatus(runId, 'failed', e.message ?? 'The run failed on its worker.');
        else rows.setStatus(runId, 'queued', `Worker ${e.worker} lost the run (${e.message ?? e.reason}); the queue retries it from its last checkpoint.`);
        writer.emitRun();
        return;
      default:
        writer.apply(e);
    }
  }

  private async refreshPositions(): Promise<void> {
    if (this.followed.size === 0) {
      clearInterval(this.positions);
      this.positions = undefined;
      return;
    }
    let runs: Awaited<ReturnType<RunQueueClient['runs']>>;
    try {
      runs = await this.client.runs();
    } catch {
      return;
    }
    for (const f of this.followed.values()) {
      const rows = new RunRows(f.store);
      const link = rows.queueLink(f.runId);
      if (!link?.runKey) continue;
      const position = runs.entries.find((r) => r.runKey === link.runKey)?.position ?? null;
      if (position !== link.position) {
        this.updateLink(f.store, f.runId, { position });
        emitRunChanged(this.ctx, f.store, f.runId);
      }
    }
  }
}

function key(store: ProjectStore, runId: number): string {
  return `${store.dir}\n${runId}`;
}
