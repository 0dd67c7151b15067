// Following a run fetches its files from where its job says they are, whatever this studio is set up for now: a run
// in a bucket from that bucket, a run from before the bucket from Redis; a bucket this studio has no key for is
// said, and nothing is written. A real redis-server and a real s3rver.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRunEvent, type EventSigner } from './event-stream';
import type { RunJob } from './run-job';
import { RunQueueClient, type FollowedEvent } from './run-queue-client';
import { TestRedis } from './testing/redis-server';
import { TEST_S3_CREDENTIALS, TestS3 } from './testing/s3-server';

const signer: EventSigner = { queueName: 'follow-bucket', secret: 'follow-secret-0123456789' };
let redis: TestRedis;
let s3: TestS3;
let onBucket: RunQueueClient;
let onRedis: RunQueueClient;
beforeAll(async () => {
  [redis, s3] = await Promise.all([TestRedis.start(), TestS3.start()]);
  onBucket = new RunQueueClient({ redisUrl: redis.url, ...signer, artifacts: { ...s3.location('follow'), credentials: TEST_S3_CREDENTIALS } });
  onRedis = new RunQueueClient({ redisUrl: redis.url, ...signer });
});
afterAll(async () => {
  await onBucket.close();
  await onRedis.close();
  await Promise.all([redis.dispose(), s3.dispose()]);
});

/** A finished run whose job names `where` for its files, with one checkpoint of `bytes`. */
async function run(runKey: string, where: RunJob['artifacts'], client: RunQueueClient, bytes: string): Promise<void> {
  const artifact = await client.artifacts.put(Buffer.from(bytes));
  const job: RunJob = {
    version: 1, runKey, name: 'r', base: 'default', overrides: { steps: 2 }, dataset: artifact, labels: [], submittedAt: new Date().toISOString(),
    ...(where ? { artifacts: where } : {}),
  };
  await client.redis.hset(client.keys.runState(runKey), 'job', JSON.stringify(job));
  await appendRunEvent(client.redis, client.keys, signer, runKey, { type: 'claimed', worker: 'w' }, 'c');
  await appendRunEvent(client.redis, client.keys, signer, runKey, { type: 'checkpoint-saved', step: 2, path: 'checkpoints/step-000002.safetensors', artifact }, 'c');
  await appendRunEvent(client.redis, client.keys, signer, runKey, { type: 'exit', worker: 'w', reason: 'finished', step: 2 }, 'c');
}

async function follow(client: RunQueueClient, runKey: string) {
  const runDir = join(mkdtempSync(join(tmpdir(), 'follow-bucket-')), 'run');
  const seen: string[] = [];
  const skipped: string[] = [];
  await client.follow(runKey, runDir, '0', (e: FollowedEvent) => { seen.push(e.type); }, { onSkipped: (why) => skipped.push(why) });
  const checkpoint = join(runDir, 'checkpoints', 'step-000002.safetensors');
  return { seen, skipped, checkpoint: existsSync(checkpoint) ? readFileSync(checkpoint, 'utf8') : null };
}

describe('following a run whose files are in a bucket', () => {
  it('fetches from the job\'s store, and says which bucket it needs when this studio has no key for it', async () => {
    const inBucket = 'bbbbbbbb-0000-0000-0000-000000000001';
    await run(inBucket, s3.location('follow'), onBucket, 'bucket checkpoint');
    expect(await follow(onBucket, inBucket)).toEqual({ seen: ['claimed', 'checkpoint-saved', 'exit'], skipped: [], checkpoint: 'bucket checkpoint' });
    const unreachable = await follow(onRedis, inBucket);
    expect(unreachable.checkpoint).toBeNull();
    expect(unreachable.skipped).toEqual([expect.stringMatching(/^The checkpoint-saved event at step 2 was ignored: Its file was not fetched: this run keeps its files in the bucket "lora-test" under "follow\/" at http:\/\/127\.0\.0\.1:\d+, and this studio is set up for Redis \(the queue itself\)\. Set up that bucket/)]);

    // A run from before the bucket was set up keeps coming from Redis.
    const inRedis = 'bbbbbbbb-0000-0000-0000-000000000002';
    await run(inRedis, undefined, onRedis, 'redis checkpoint');
    expect((await follow(onBucket, inRedis)).checkpoint).toBe('redis checkpoint');
  });
});
