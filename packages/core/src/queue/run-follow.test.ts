// Following a run's stream: events written by whoever can write to Redis are checked before use — a malformed
// event, a file path that leads out of the run folder, or a file whose bytes do not match are skipped, said, and
// never written; a stale worker's events (an earlier claim) are dropped.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunQueueClient, type FollowedEvent } from './run-queue-client';
import { TestRedis } from './testing/redis-server';

let redis: TestRedis;
let client: RunQueueClient;
beforeAll(async () => {
  redis = await TestRedis.start();
  client = new RunQueueClient({ redisUrl: redis.url, queueName: 'follow', secret: 'follow-secret-0123456789' });
});
afterAll(async () => {
  await client.close();
  await redis.dispose();
});

describe('following a run', () => {
  it('skips hostile events, writes files only inside the run folder, and drops a stale claim', async () => {
    const runKey = 'aaaaaaaa-0000-0000-0000-000000000001';
    const key = client.keys.runEvents(runKey);
    const add = (e: unknown, claim?: string) => (claim ? client.redis.xadd(key, '*', 'e', typeof e === 'string' ? e : JSON.stringify(e), 'c', claim) : client.redis.xadd(key, '*', 'e', typeof e === 'string' ? e : JSON.stringify(e)));
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
});
