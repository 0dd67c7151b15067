import { ApiFailure, type ComputeHandlers } from '@lora-studio/api';
import type { StudioContext } from '../context';
import { RunQueueClient } from '../queue/run-queue-client';
import { computeSettingsView, connectionFromInput, saveComputeSettings } from '../runs/compute-settings';
import type { ComputeRouter } from '../runs/compute-router';

/** Redis must answer within this long for Settings → Compute to accept a queue. */
const CHECK_MS = 5000;

export function computeHandlers(ctx: StudioContext, router: ComputeRouter): ComputeHandlers {
  return {
    'compute-get': async () => computeSettingsView(ctx.app),
    'compute-set': async (input) => {
      if (input.target === 'this-machine') {
        saveComputeSettings(ctx.app, undefined);
        return computeSettingsView(ctx.app);
      }
      let connection;
      try {
        connection = connectionFromInput(ctx.app, input);
      } catch (error) {
        throw new ApiFailure('invalid-request', (error as Error).message);
      }
      const client = new RunQueueClient(connection);
      try {
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_MS / 1000} s`)), CHECK_MS));
        await Promise.race([client.redis.ping(), timeout]);
      } catch (error) {
        throw new ApiFailure('invalid-request', `The run queue's Redis did not answer (${(error as Error).message}). Check the URL and password, and that Redis is reachable from this machine.`);
      } finally {
        await client.close().catch(() => undefined);
      }
      saveComputeSettings(ctx.app, connection);
      return computeSettingsView(ctx.app);
    },
    'compute-workers': async () => {
      const queue = router.queue();
      if (!queue) return [];
      const workers = await queue.workers();
      return workers.map((w) => ({
        name: w.name, host: w.host, labels: w.labels, version: w.version, device: w.device, concurrency: w.concurrency,
        totalMemoryBytes: w.totalMemoryBytes, freeMemoryBytes: w.freeMemoryBytes,
        runs: w.runs.map((r) => ({ name: r.name, step: r.step, status: r.status })), heartbeatAt: w.heartbeatAt,
      }));
    },
  };
}
