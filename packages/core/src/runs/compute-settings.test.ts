// Settings → Compute through the contract, against a real redis-server: saved with the app settings, the password
// and secret never shown back (the saved queue still shown after switching to this machine), a Redis that does not
// answer refused with what to check.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio } from '../index';
import { TestRedis } from '../queue/testing/redis-server';
import { TEST_S3_CREDENTIALS, TestS3 } from '../queue/testing/s3-server';
import { queueKeys } from '../queue/queue-keys';
import { RunQueueClient } from '../queue/run-queue-client';
import { heartbeatText, type WorkerInfo } from '../queue/worker-heartbeat';
import { queueConnectionSetting } from './compute-settings';

let redis: TestRedis;
let s3: TestS3;
const studio = createStudio({ home: mkdtempSync(join(tmpdir(), 'ls-compute-')), mode: 'browser' });
beforeAll(async () => {
  redis = await TestRedis.start();
  s3 = await TestS3.start();
});
afterAll(async () => {
  studio.close();
  await redis.dispose();
  await s3.dispose();
});

async function call(name: string, args: unknown) {
  return studio.dispatcher.call(1, name, args);
}

describe('Settings → Compute', () => {
  it('is this machine until a queue is saved, and never shows the password or the secret', async () => {
    expect(await call('compute-get', {})).toMatchObject({ ok: true, result: { target: 'this-machine' } });
    expect(await call('compute-workers', {})).toMatchObject({ ok: true, result: { workers: [], notSigned: 0 } });
    const url = `redis://:pa55word@127.0.0.1:${redis.port}`;
    // The test server has no password: Redis accepts AUTH for the default user only when one is set, so save
    // the plain URL first, then check the view of a URL with a password without connecting.
    const saved = await call('compute-set', { target: 'queue', redisUrl: redis.url, queueName: 'studio-a', secret: 'a-secret-of-16-chars' });
    expect(saved).toMatchObject({ ok: true, result: { target: 'queue', redisUrl: `${redis.url}`, queueName: 'studio-a', secretSet: true } });
    expect(JSON.stringify(saved)).not.toContain('a-secret-of-16-chars');
    // Saving again without the secret keeps the stored one.
    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, queueName: 'studio-a' })).toMatchObject({ ok: true });
    expect(queueConnectionSetting(studio.ctx.app)).toEqual({ redisUrl: redis.url, queueName: 'studio-a', secret: 'a-secret-of-16-chars' });
    studio.ctx.app.setSetting('compute.redisUrl', url);
    expect(await call('compute-get', {})).toMatchObject({ result: { redisUrl: `redis://:***@127.0.0.1:${redis.port}` } });
    expect(await call('compute-set', { target: 'this-machine' })).toMatchObject({ ok: true, result: { target: 'this-machine' } });
    expect(queueConnectionSetting(studio.ctx.app)).toBeUndefined();
    // Back on this machine, the saved queue is still shown (password masked, secret kept), for picking it again.
    const kept = await call('compute-get', {});
    expect(kept).toMatchObject({ result: { target: 'this-machine', savedQueue: { redisUrl: `redis://:***@127.0.0.1:${redis.port}`, queueName: 'studio-a', secretSet: true } } });
    expect(JSON.stringify(kept)).not.toMatch(/pa55word|a-secret-of-16-chars/);
  });

  it('refuses a queue whose Redis does not answer, and bad values, keeping what was saved', async () => {
    const closed = await TestRedis.start();
    const url = closed.url;
    await closed.dispose();
    const res = await call('compute-set', { target: 'queue', redisUrl: url, secret: 'a-secret-of-16-chars' });
    expect(res).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^Nothing answers at .*The setting was not changed\.$/) } });
    expect(await call('compute-set', { target: 'queue', redisUrl: 'http://x', secret: 'a-secret-of-16-chars' })).toMatchObject({ ok: false });
    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, secret: 'short' })).toMatchObject({ ok: false });
    expect(await call('compute-get', {})).toMatchObject({ result: { target: 'this-machine' } });
  });

  it('keeps the files in a bucket once it was written, read and cleaned there; its secret key never shown', async () => {
    const bucket = { ...s3.location('studio-files'), accessKeyId: TEST_S3_CREDENTIALS.accessKeyId };
    const secretAccessKey = TEST_S3_CREDENTIALS.secretAccessKey;
    const test = await call('compute-test', { redisUrl: redis.url, artifacts: { ...bucket, bucket: 'missing-bucket', secretAccessKey } });
    expect(test).toMatchObject({ ok: true, result: { ok: true, bucket: { ok: false, message: expect.stringMatching(/the bucket "missing-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+\. Create it there/) } } });
    const refused = await call('compute-set', { target: 'queue', redisUrl: redis.url, secret: 'a-secret-of-16-chars', artifacts: { ...bucket, bucket: 'missing-bucket', secretAccessKey } });
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/does not exist .*The setting was not changed\.$/) } });
    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, secret: 'a-secret-of-16-chars', artifacts: bucket })).toMatchObject({ ok: false, error: { message: /secret access key/ } });

    const saved = await call('compute-set', { target: 'queue', redisUrl: redis.url, secret: 'a-secret-of-16-chars', artifacts: { ...bucket, secretAccessKey } });
    expect(saved).toMatchObject({ ok: true, result: { artifacts: { kind: 's3', bucket: s3.bucket, prefix: 'studio-files', endpoint: s3.endpoint, pathStyle: true, accessKeyId: 'S3RVER', secretAccessKeySet: true } } });
    expect(JSON.stringify(saved)).not.toMatch(/"secretAccessKey"/);
    // Testing and saving again without the secret key use the stored one.
    expect(await call('compute-test', { redisUrl: redis.url, artifacts: bucket })).toMatchObject({ result: { bucket: { ok: true } } });
    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, artifacts: bucket })).toMatchObject({ ok: true });
    expect(queueConnectionSetting(studio.ctx.app)?.artifacts).toEqual({ ...s3.location('studio-files'), credentials: TEST_S3_CREDENTIALS });
    // Another endpoint or key id does not get the stored secret key.
    expect(await call('compute-test', { redisUrl: redis.url, artifacts: { ...bucket, endpoint: 'http://127.0.0.1:9' } })).toMatchObject({ result: { bucket: { ok: false, message: /Give the bucket's secret access key/ } } });
    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, artifacts: { ...bucket, accessKeyId: 'OTHER' } })).toMatchObject({ ok: false, error: { message: /secret access key/ } });
    expect(s3.written.filter((w) => w.key.startsWith('studio-files/lora-studio-check-'))).toHaveLength(3);

    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, artifacts: { kind: 'redis' } })).toMatchObject({ ok: true, result: { artifacts: { kind: 'redis' } } });
    expect(queueConnectionSetting(studio.ctx.app)?.artifacts).toBeUndefined();
  });

  it('the Workers panel lists the workers whose heartbeat verifies with the saved secret and counts the others', async () => {
    const secret = 'the-panel-secret-0123';
    expect(await call('compute-set', { target: 'queue', redisUrl: redis.url, queueName: 'panel', secret })).toMatchObject({ ok: true });
    const keys = queueKeys('panel');
    const client = new RunQueueClient({ redisUrl: redis.url, queueName: 'panel', secret });
    try {
      const beat = (name: string): WorkerInfo => ({
        name, host: 'box', labels: [], version: 'test', device: 'CPU', concurrency: 1, totalMemoryBytes: 8, freeMemoryBytes: 4, runs: [],
        heartbeatAt: new Date().toISOString(), startedAt: new Date().toISOString(),
      });
      const plant = (name: string, text: string) => client.redis.multi().set(keys.worker(name), text, 'PX', 60_000).sadd(keys.workers, name).exec();
      await plant('ours', heartbeatText(beat('ours'), { queueName: 'panel', secret }));
      await plant('theirs', heartbeatText(beat('theirs'), { queueName: 'panel', secret: 'some-other-secret-0123' }));
      await plant('older', JSON.stringify(beat('older')));
      const listed = await call('compute-workers', {});
      expect(listed).toMatchObject({ ok: true, result: { workers: [expect.objectContaining({ name: 'ours', host: 'box' })], notSigned: 2 } });
      expect((listed as { result: { workers: unknown[] } }).result.workers).toHaveLength(1);
    } finally {
      await client.close();
      await call('compute-set', { target: 'this-machine' });
    }
  });

  it('a queue run needs a queue', async () => {
    const res = await call('run-start', { dir: join(tmpdir(), 'nowhere'), runOn: { target: 'queue', labels: [] } });
    expect(res.ok).toBe(false);
  });
});
