// Which run manager a run belongs to: a new run goes where Settings → Compute (or the Train form's "Run on") says;
// an existing run stays with whoever trains it (a queue run is recognised by its row's queue link).
import { ApiFailure, type RunOn, type RunSummary, type TrainingOverrides, type TrainingSettings } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';
import type { StudioContext } from '../context';
import { QueueRunManager } from '../queue/queue-run-manager';
import { queueConnectionSetting } from './compute-settings';
import { RunManager, type RunExecutor } from './run-manager';
import { RunRows } from './run-rows';

export class ComputeRouter implements RunExecutor {
  private queueManager: QueueRunManager | undefined;

  constructor(private readonly ctx: StudioContext, readonly local: RunManager) {}

  /** The manager for the queue in the settings now (made on first use, remade when the setting changes). */
  queue(): QueueRunManager | undefined {
    const connection = queueConnectionSetting(this.ctx.app);
    const current = this.queueManager;
    const same = current && connection && current.connection.redisUrl === connection.redisUrl && current.connection.queueName === connection.queueName
      && current.connection.secret === connection.secret && JSON.stringify(current.connection.artifacts) === JSON.stringify(connection.artifacts);
    if (current && same) {
      return current;
    }
    current?.shutdown();
    this.queueManager = connection ? new QueueRunManager(this.ctx, connection) : undefined;
    return this.queueManager;
  }

  private owner(store: ProjectStore, runId: number): RunExecutor {
    const link = new RunRows(store).queueLink(runId);
    if (!link) return this.local;
    const queue = this.queue();
    if (!queue || queue.connection.queueName !== link.queueName) {
      throw new ApiFailure('conflict', `Run ${runId} trains on the run queue "${link.queueName}". Choose that queue in Settings → Compute to follow and control it.`);
    }
    return queue;
  }

  reconcile(store: ProjectStore): void {
    this.queue()?.reconcile(store);
    this.local.reconcile(store);
  }

  /** Where a new run goes: the Train form's choice, else the setting. */
  targetFor(runOn?: RunOn, queue = this.queue()): RunOn['target'] {
    return runOn?.target ?? (queue ? 'queue' : 'this-machine');
  }

  start(store: ProjectStore, name: string, settings: TrainingSettings, overrides: TrainingOverrides, baseModel: string, runOn?: RunOn): RunSummary {
    const queue = this.queue();
    const target = this.targetFor(runOn, queue);
    if (target === 'this-machine') return this.local.start(store, name, settings, overrides, baseModel);
    if (!queue) throw new ApiFailure('invalid-request', 'No run queue is set up. Choose "A run queue" in Settings → Compute (Redis URL and shared secret) first, or run on this machine.');
    return queue.start(store, name, settings, overrides, baseModel, runOn?.target === 'queue' ? runOn.labels : []);
  }

  pause(store: ProjectStore, runId: number): RunSummary { return this.owner(store, runId).pause(store, runId); }
  resume(store: ProjectStore, runId: number): RunSummary { return this.owner(store, runId).resume(store, runId); }
  stop(store: ProjectStore, runId: number): RunSummary { return this.owner(store, runId).stop(store, runId); }
  saveCheckpoint(store: ProjectStore, runId: number): RunSummary { return this.owner(store, runId).saveCheckpoint(store, runId); }
  sampleNow(store: ProjectStore, runId: number, prompt: string, seed?: number): RunSummary { return this.owner(store, runId).sampleNow(store, runId, prompt, seed); }

  async whenIdle(): Promise<void> {
    await Promise.all([this.local.whenIdle(), this.queueManager?.whenIdle()]);
  }

  shutdown(): void {
    this.local.shutdown();
    this.queueManager?.shutdown();
    this.queueManager = undefined;
  }
}
