// What the Workers panel and "runs --queue" list is signed with the queue's secret: a real worker's heartbeat and
// the run info written by a real submit and by that worker (refusing the run) verify and are listed; heartbeats and
// run info written without the secret — an older version's, another secret's, one moved from another worker, run or
// field, an edited or missing field, a key of another type — are left out and only counted. Real redis-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImageFolder } from '@lora-studio/trainer/testing';
import { signRecord, type QueueSigner } from './job-signature';
import type { QueueRunInfo } from './queue-events';
import { QueueWorker } from './queue-worker';
import { writeRunInfo } from './run-info';
import { RunQueueClient } from './run-queue-client';
import { TestRedis } from './testing/redis-server';
import { heartbeatText, openHeartbeat } from './worker-heartbeat';

const signer: QueueSigner = { queueName: 'listing', secret: 'listing-secret-0123456789' };
const other: QueueSigner = { queueName: 'listing', secret: 'another-secret-0123456789' };
let redis: TestRedis;
let client: RunQueueClient;
let worker: QueueWorker;
let root: string;
beforeAll(async () => {
  redis = await TestRedis.start();
  root = mkdtempSync(join(tmpdir(), 'signed-listing-'));
  client = new RunQueueClient({ redisUrl: redis.url, ...signer });
  worker = await QueueWorker.start({
    redisUrl: redis.url, ...signer, name: 'honest', labels: [], concurrency: 1, cacheDir: join(root, 'cache'),
    resolveBase: (id) => id, threads: 1, version: 'test', log: () => undefined,
  });
});
afterAll(async () => {
  await worker?.close();
  await client?.close();
  await redis?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('the queue lists only what verifies', () => {
  it('workers: the real heartbeat is listed, forged ones are counted', async () => {
    const honest = (await client.redis.get(client.keys.worker('honest')))!;
    const info = openHeartbeat(honest, 'honest', signer)!;
    expect(info).toMatchObject({ name: 'honest', version: 'test', runs: [] });
    const plant = async (name: string, text: string) => {
      await client.redis.multi().set(client.keys.worker(name), text, 'PX', 60_000).sadd(client.keys.workers, name).exec();
    };
    const { signature: _, ...unsigned } = JSON.parse(honest) as Record<string, unknown>;
    await plant('older', JSON.stringify({ ...unsigned, name: 'older' }));
    await plant('stranger', heartbeatText({ ...info, name: 'stranger' }, other));
    await plant('copy', honest); // a real heartbeat under another worker's name
    await plant('edited', JSON.stringify({ ...JSON.parse(heartbeatText({ ...info, name: 'edited' }, signer)), device: 'an H100' }));
    await plant('garbage', '{not json');
    await client.redis.hset(client.keys.worker('hashed'), 'name', 'hashed');
    await client.redis.sadd(client.keys.workers, 'hashed');

    const listed = await client.workers();
    expect(listed.entries.map((w) => w.name)).toEqual(['honest']);
    expect(listed.notSigned).toBe(6);
  });

  it('runs: a submitted run with the worker’s refusal is listed, forged run info is counted', async () => {
    const dataset = join(root, 'images');
    await writeImageFolder(dataset, 2);
    // Sent to a label the worker lacks: it refuses, and writes why into the run's info (signed as a worker signs).
    const { runKey } = await client.submit({ dataset, name: 'real', base: 'default', type: 'style', trigger: 'sks', overrides: { steps: 2 }, labels: ['gpu-80gb'] });
    await expect.poll(async () => (await client.run(runKey))?.message, { timeout: 20_000 }).toMatch(/^honest cannot take this run: it needs the label gpu-80gb/);

    const forged = async (name: string, write: (key: string) => Promise<unknown>) => {
      const runKey = `forged-${name}`;
      await write(client.keys.runInfo(runKey));
      await client.redis.zadd(client.keys.runs, String(Date.now()), runKey);
      return runKey;
    };
    const fields: Omit<QueueRunInfo, 'runKey' | 'updatedAt'> = { name: 'forged', status: 'running', worker: 'honest', step: 5, totalSteps: 10, labels: [], submittedAt: new Date().toISOString(), message: '' };
    await forged('older', (key) => client.redis.hset(key, { ...fields, step: '5', totalSteps: '10', labels: '[]', updatedAt: new Date().toISOString() }));
    await forged('stranger', () => writeRunInfo(client.redis, client.keys, other, 'forged-stranger', fields));
    // Signed fields of the real run, moved into another run's info.
    const real = await client.redis.hgetall(client.keys.runInfo(runKey));
    await forged('moved', (key) => client.redis.hset(key, real));
    // The real signature of one field under another field's name: step 5's signature carried by totalSteps.
    await forged('swapped', async (key) => {
      await writeRunInfo(client.redis, client.keys, signer, 'forged-swapped', fields);
      await client.redis.hset(key, 'totalSteps', '5', 's.totalSteps', signRecord('run-info', 'forged-swapped\nstep', '5', signer));
    });
    await forged('edited', async (key) => {
      await writeRunInfo(client.redis, client.keys, signer, 'forged-edited', fields);
      await client.redis.hset(key, 'status', 'finished');
    });
    await forged('missing', async (key) => {
      await writeRunInfo(client.redis, client.keys, signer, 'forged-missing', fields);
      await client.redis.hdel(key, 'status', 's.status');
    });
    await forged('string', (key) => client.redis.set(key, 'not a hash'));
    // Written by us, in full, with this secret: listed.
    await forged('signed', () => writeRunInfo(client.redis, client.keys, signer, 'forged-signed', fields));

    const listed = await client.runs();
    expect(listed.entries.map((r) => r.runKey)).toEqual([runKey, 'forged-signed']);
    expect(listed.entries[0]).toMatchObject({ name: 'real', status: 'queued', labels: ['gpu-80gb'] });
    expect(listed.notSigned).toBe(7);
    // A run whose info does not verify is not one this client will call finished (or queued) either.
    expect(await client.run('forged-edited')).toBeUndefined();
  }, 60_000);
});
