import { ApiFailure, type ComputeHandlers } from '@lora-studio/api';
import type { StudioContext } from '../context';
import type { ArtifactStoreConfig } from '../queue/artifact-location';
import { checkBucket } from '../queue/bucket-check';
import { checkQueueConnection } from '../queue/connection-check';
import { artifactsFromInput, computeSettingsView, connectionFromInput, redisUrlFromInput, saveComputeSettings, storedQueueSecret } from '../runs/compute-settings';
import type { ComputeRouter } from '../runs/compute-router';

/** Redis (and a bucket) must answer within this long for Settings → Compute to accept a queue. */
const CHECK_MS = 5000;

/** A bucket's check, or nothing for Redis (the queue's own check covers it). */
async function bucketCheck(artifacts: ArtifactStoreConfig | undefined): Promise<{ ok: boolean; message: string } | undefined> {
  if (artifacts?.kind !== 's3') return undefined;
  const { credentials, ...location } = artifacts;
  return checkBucket(location, credentials, CHECK_MS);
}

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
      // The same check as "Test connection", so a refusal says why in the same words (wrong password, nothing there…).
      const check = await checkQueueConnection(connection.redisUrl, connection.queueName, CHECK_MS, connection.secret);
      if (!check.ok) throw new ApiFailure('invalid-request', `${check.message} The setting was not changed.`);
      const bucket = await bucketCheck(connection.artifacts);
      if (bucket && !bucket.ok) throw new ApiFailure('invalid-request', `${bucket.message} The setting was not changed.`);
      saveComputeSettings(ctx.app, connection);
      return computeSettingsView(ctx.app);
    },
    'compute-workers': async () => {
      const queue = router.queue();
      if (!queue) return { workers: [], notSigned: 0 };
      const { entries, notSigned } = await queue.workers();
      const workers = entries.map((w) => ({
        name: w.name, host: w.host, labels: w.labels, version: w.version, device: w.device, concurrency: w.concurrency,
        totalMemoryBytes: w.totalMemoryBytes, freeMemoryBytes: w.freeMemoryBytes,
        runs: w.runs.map((r) => ({ name: r.name, step: r.step, status: r.status })), heartbeatAt: w.heartbeatAt,
        ...(w.files ? { files: w.files } : {}),
      }));
      return { workers, notSigned };
    },
    'compute-test': async ({ redisUrl, queueName, secret, artifacts }) => {
      // Both at once: a test of an unreachable Redis and an unreachable bucket takes one timeout, not two.
      const [queue, bucket] = await Promise.all([
        checkQueueConnection(redisUrlFromInput(ctx.app, redisUrl), queueName, CHECK_MS, secret ?? storedQueueSecret(ctx.app)),
        (async () => {
          try {
            return await bucketCheck(artifactsFromInput(ctx.app, artifacts));
          } catch (error) {
            return { ok: false, message: (error as Error).message };
          }
        })(),
      ]);
      return bucket ? { ...queue, bucket } : queue;
    },
  };
}
