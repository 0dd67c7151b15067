// Settings → Compute through the contract, against a real redis-server: saved with the app settings, the password
// and secret never shown back, a Redis that does not answer refused with what to check.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio } from '../index';
import { TestRedis } from '../queue/testing/redis-server';
import { queueConnectionSetting } from './compute-settings';

let redis: TestRedis;
const studio = createStudio({ home: mkdtempSync(join(tmpdir(), 'ls-compute-')), mode: 'browser' });
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  studio.close();
  await redis.dispose();
});

async function call(name: string, args: unknown) {
  return studio.dispatcher.call(1, name, args);
}

describe('Settings → Compute', () => {
  it('is this machine until a queue is saved, and never shows the password or the secret', async () => {
    expect(await call('compute-get', {})).toMatchObject({ ok: true, result: { target: 'this-machine' } });
    expect(await call('compute-workers', {})).toMatchObject({ ok: true, result: [] });
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

  it('a queue run needs a queue', async () => {
    const res = await call('run-start', { dir: join(tmpdir(), 'nowhere'), runOn: { target: 'queue', labels: [] } });
    expect(res.ok).toBe(false);
  });
});
