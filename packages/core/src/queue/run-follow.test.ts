// Following a run's stream: events written by whoever can write to Redis are checked before use — one that does not
// carry the queue's signature is dropped (said once), a malformed event, a file path that leads out of the run
// folder, or a file whose bytes do not match are skipped, said, and never written; a stale worker's events (an
// earlier claim) are dropped.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRunEvent, type EventSigner } from './event-stream';
import { signEvent } from './job-signature';
import type { QueueEvent } from './queue-events';
import { RunQueueClient, type FollowedEvent } from './run-queue-client';
import { TestRedis } from './testing/redis-server';

const signer: EventSigner = { queueName: 'follow', secret: 'follow-secret-0123456789' };
let redis: TestRedis;
let client: RunQueueClient;
beforeAll(async () => {
  redis = await TestRedis.start();
  client = new RunQueueClient({ redisUrl: redis.url, ...signer });
});
afterAll(async () => {
  await client.close();
  await redis.dispose();
});

describe('following a run', () => {
  it('skips hostile events, writes files only inside the run folder, and drops a stale claim', async () => {
    const runKey = 'aaaaaaaa-0000-0000-0000-000000000001';
    const key = client.keys.runEvents(runKey);
    // Signed as a worker signs (so only the content is hostile), whatever the text is.
    const add = (e: unknown, claim: string) => {
      const raw = typeof e === 'string' ? e : JSON.stringify(e);
      return client.redis.xadd(key, '*', 'e', raw, 'c', claim, 's', signEvent(raw, runKey, claim, signer.secret, signer.queueName));
    };
    const good = await client.artifacts.put(Buffer.from('checkpoint bytes'));
    await add({ type: 'claimed', worker: 'w1' }, 'one');
    await add('{not json', 'one');
    await add({ type: 'step', step: 'x' }, 'one');
    await add({ type: 'checkpoint-saved', step: 2, path: '../../escape.bin', artifact: good }, 'one');
    await add({ type: 'checkpoint-saved', step: 2, path: 'checkpoints/step-000002.safetensors', artifact: { ...good, sha256: 'f'.repeat(64) } }, 'one');
    await add({ type: 'checkpoint-saved', step: 2, path: 'checkpoints/step-000002.safetensors', artifact: good }, 'one');
    await add({ type: 'claimed', worker: 'w2' }, 'two');
    await add({ type: 'checkpoint-saved', step: 4, path: 'checkpoints/stale.safetensors', artifact: good }, 'one');
    await add({ type: 'exit', worker: 'w2', reason: 'finished', step: 4 }, 'two');

    const root = mkdtempSync(join(tmpdir(), 'follow-'));
    const runDir = join(root, 'run');
    const seen: FollowedEvent[] = [];
    const skipped: string[] = [];
    await client.follow(runKey, runDir, '0', (e) => { seen.push(e); }, { onSkipped: (why) => skipped.push(why) });
    expect(seen.map((e) => e.type)).toEqual(['claimed', 'checkpoint-saved', 'claimed', 'exit']);
    expect(skipped).toEqual([
      expect.stringMatching(/not one LoRA Studio writes/),
      expect.stringMatching(/not one LoRA Studio writes/),
      expect.stringMatching(/checkpoint-saved event at step 2 was ignored: .*"\.\.\/\.\.\/escape\.bin".*was not used/),
      expect.stringMatching(/checkpoint-saved event at step 2 was ignored: The file f+… is no longer in the run queue/),
    ]);
    expect(readFileSync(join(runDir, 'checkpoints', 'step-000002.safetensors'), 'utf8')).toBe('checkpoint bytes');
    expect(existsSync(join(root, 'escape.bin'))).toBe(false);
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual(['step-000002.safetensors']);
  });

  it('drops events that do not verify (no signature, another secret, another run, another claim) and says so once', async () => {
    const runKey = 'aaaaaaaa-0000-0000-0000-000000000002';
    const otherRun = 'aaaaaaaa-0000-0000-0000-000000000003';
    const key = client.keys.runEvents(runKey);
    const step = (n: number): QueueEvent => ({ type: 'step', step: n, totalSteps: 10, loss: 0.1, lr: 1e-4, gradNorm: 1, stepMs: 5, smoothedLoss: 0.1, samplesPerSecond: 1, memoryMb: 1, epoch: 0 });
    const raw = (n: number) => JSON.stringify(step(n));
    await appendRunEvent(client.redis, client.keys, signer, runKey, { type: 'claimed', worker: 'w1' }, 'one');
    await appendRunEvent(client.redis, client.keys, signer, runKey, step(1), 'one');
    // Anyone with write access to Redis, without the secret: false progress in every way it could try.
    await client.redis.xadd(key, '*', 'e', raw(9), 'c', 'one');
    await client.redis.xadd(key, '*', 'e', raw(9), 'c', 'one', 's', '0'.repeat(64));
    await client.redis.xadd(key, '*', 'e', raw(9), 'c', 'one', 's', signEvent(raw(9), runKey, 'one', 'another-secret-0123456789', signer.queueName));
    await client.redis.xadd(key, '*', 'e', raw(9), 'c', 'one', 's', signEvent(raw(9), runKey, 'one', signer.secret, 'another-queue'));
    await client.redis.xadd(key, '*', 'e', raw(9), 'c', 'one', 's', signEvent(raw(9), otherRun, 'one', signer.secret, signer.queueName));
    // A real signature moved to another claim: a stale worker's event cannot pass as the current one's.
    await client.redis.xadd(key, '*', 'e', raw(9), 'c', 'one', 's', signEvent(raw(9), runKey, 'two', signer.secret, signer.queueName));
    await client.redis.xadd(key, '*', 'e', JSON.stringify({ type: 'claimed', worker: 'evil' }), 'c', 'evil');
    await appendRunEvent(client.redis, client.keys, signer, runKey, step(2), 'one');
    await client.redis.xadd(key, '*', 'e', JSON.stringify({ type: 'exit', worker: 'w1', reason: 'failed', step: 2, message: 'forged' }));
    await appendRunEvent(client.redis, client.keys, signer, runKey, { type: 'exit', worker: 'w1', reason: 'finished', step: 2 }, 'one');

    const seen: FollowedEvent[] = [];
    const skipped: string[] = [];
    const root = mkdtempSync(join(tmpdir(), 'follow-'));
    await client.follow(runKey, join(root, 'run'), '0', (e) => { seen.push(e); }, { onSkipped: (why) => skipped.push(why) });
    expect(seen.map((e) => `${e.type}${'step' in e ? e.step : ''}`)).toEqual(['claimed', 'step1', 'step2', 'exit2']);
    expect(seen.at(-1)).toMatchObject({ reason: 'finished' });
    expect(skipped).toEqual([expect.stringMatching(/do not carry a valid signature were ignored/)]);
  });
});
