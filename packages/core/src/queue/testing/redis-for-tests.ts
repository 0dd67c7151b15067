// One real redis-server per test file with a client to it: started before the file's tests, stopped after them.
// Read `redis` / `server` inside tests (they are set by the time tests run, not when the file is loaded).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { openRedis } from '../redis-connection';
import { TestRedis } from './redis-server';

export function redisForTests(): { readonly server: TestRedis; readonly redis: Redis } {
  const held = {} as { server: TestRedis; redis: Redis };
  beforeAll(async () => {
    held.server = await TestRedis.start();
    held.redis = openRedis(held.server.url);
  });
  afterAll(async () => {
    held.redis?.disconnect();
    await held.server?.dispose();
  });
  return held;
}
