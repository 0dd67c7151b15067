// "Test connection" against a real redis-server: each way a URL goes wrong gets its own sentence, quickly; the workers
// it names are those whose heartbeat verifies with the secret.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkQueueConnection } from './connection-check';
import { queueKeys } from './queue-keys';
import { heartbeatText, type WorkerInfo } from './worker-heartbeat';
import { openRedis } from './redis-connection';
import { TestRedis } from './testing/redis-server';

let redis: TestRedis;
let admin: Redis;

beforeAll(async () => {
  redis = await TestRedis.start();
  admin = openRedis(redis.url);
  await admin.ping();
});
afterAll(async () => {
  admin.disconnect();
  await redis.dispose();
});

describe('checkQueueConnection', () => {
  it('reports the Redis version and that no worker answers on a new queue', async () => {
    const result = await checkQueueConnection(redis.url, 'fresh-queue');
    expect(result.ok).toBe(true);
    expect(result.workers).toEqual([]);
    expect(result.message).toMatch(/^Connected to Redis \d+\.\d+\.\d+ at 127\.0\.0\.1:\d+\. No worker answers on the queue "fresh-queue" yet/);
  });

  it('names only the workers whose heartbeat verifies with the secret, counts the others, and names none without it', async () => {
    const secret = 'check-secret-0123456789';
    const keys = queueKeys('checked');
    const beat = (name: string): WorkerInfo => ({
      name, host: 'box', labels: [], version: 'test', device: 'CPU', concurrency: 1, totalMemoryBytes: 8, freeMemoryBytes: 4, runs: [],
      heartbeatAt: new Date().toISOString(), startedAt: new Date().toISOString(),
    });
    const plant = (name: string, text: string) => admin.multi().set(keys.worker(name), text, 'PX', 60_000).sadd(keys.workers, name).exec();
    await plant('ours', heartbeatText(beat('ours'), { queueName: 'checked', secret }));
    await plant('theirs', heartbeatText(beat('theirs'), { queueName: 'checked', secret: 'another-secret-0123456' }));
    await plant('older', JSON.stringify(beat('older')));
    // In the set of workers, but its heartbeat expired: not counted at all.
    await admin.sadd(keys.workers, 'gone');

    const checked = await checkQueueConnection(redis.url, 'checked', 5000, secret);
    expect(checked.workers).toEqual(['ours']);
    expect(checked.message).toMatch(/\. 1 worker answers on the queue "checked": ours\. 2 entries on this queue are not signed with your secret — a worker or studio with another secret, or an older version\.$/);
    const blind = await checkQueueConnection(redis.url, 'checked');
    expect(blind.workers).toEqual([]);
    expect(blind.message).toMatch(/\. 3 workers answer on the queue "checked"; give the shared secret to see which of them share it\.$/);
    const stranger = await checkQueueConnection(redis.url, 'checked', 5000, 'not-this-queues-secret-0');
    expect(stranger.workers).toEqual([]);
    expect(stranger.message).toMatch(/No worker answers on the queue "checked" yet: .* 3 entries on this queue are not signed with your secret/);
  });

  it('says nothing answers on a port without a server', async () => {
    const stopped = await TestRedis.start();
    const url = stopped.url;
    await stopped.dispose();
    const result = await checkQueueConnection(url, 'q');
    expect(result).toEqual({ ok: false, workers: [], message: `Nothing answers at ${url.slice('redis://'.length)}. Check that redis-server runs there and that the port is right.` });
  });

  it('tells a missing password from a wrong one, and connects with the right one', async () => {
    await admin.config('SET', 'requirepass', 'right-password');
    try {
      const at = redis.url.slice('redis://'.length);
      const missing = await checkQueueConnection(redis.url, 'q');
      expect(missing.ok).toBe(false);
      expect(missing.message).toBe(`Redis at ${at} wants a password. Put it in the URL: redis://:PASSWORD@${at}.`);
      const wrong = await checkQueueConnection(`redis://:wrong@${at}`, 'q');
      expect(wrong.ok).toBe(false);
      expect(wrong.message).toMatch(/refused the user name or password/);
      expect(wrong.message).not.toContain('wrong');
      const right = await checkQueueConnection(`redis://:right-password@${at}`, 'q');
      expect(right.ok).toBe(true);
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('refuses what is not a Redis URL before connecting', async () => {
    const result = await checkQueueConnection('http://127.0.0.1:80', 'q');
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/is not a Redis URL/);
  });
});
