// Artifacts through a real redis-server: bounded chunks, skipped when present, checked on arrival, expiring.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_CHUNK_BYTES, RedisArtifactStore } from './artifact-store';
import { redisForTests } from './testing/redis-for-tests';

const redisServer = redisForTests();

describe('Redis artifact store', () => {
  it('stores a file in bounded chunks and returns exactly its bytes', async () => {
    const store = new RedisArtifactStore(redisServer.redis, 'test:a:', 60);
    const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
    const bytes = randomBytes(ARTIFACT_CHUNK_BYTES * 2 + 123);
    writeFileSync(join(dir, 'in.bin'), bytes);
    const ref = await store.putFile(join(dir, 'in.bin'));
    expect(ref.size).toBe(bytes.length);
    for (const key of await redisServer.redis.keys('test:a:*')) {
      if (!key.endsWith(':meta')) expect((await redisServer.redis.strlen(key))).toBeLessThanOrEqual(ARTIFACT_CHUNK_BYTES);
      expect(await redisServer.redis.ttl(key)).toBeGreaterThan(0);
    }
    expect(await redisServer.redis.keys('test:a:*')).toHaveLength(4);
    await store.getToFile(ref, join(dir, 'out', 'out.bin'));
    expect(readFileSync(join(dir, 'out', 'out.bin')).equals(bytes)).toBe(true);
    expect((await store.put(bytes)).sha256).toBe(ref.sha256);
  });

  it('refuses bytes that do not match their name, and writes nothing', async () => {
    const store = new RedisArtifactStore(redisServer.redis, 'test:b:', 60);
    const ref = await store.put(Buffer.from('the real bytes'));
    await redisServer.redis.set(`test:b:${ref.sha256}:0`, 'other bytes!!!');
    const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
    await expect(store.getToFile(ref, join(dir, 'x.bin'))).rejects.toThrow(/different contents/);
    expect(existsSync(join(dir, 'x.bin'))).toBe(false);
    await expect(store.get({ sha256: 'c'.repeat(64), size: 3 })).rejects.toThrow(/no longer in the run queue/);
    await expect(store.get({ ...ref, size: ref.size + 1 })).rejects.toThrow(/not the .* expected/);
    expect(await store.has(ref)).toBe(true);
  });
});
