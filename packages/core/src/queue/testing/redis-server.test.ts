// The test Redis itself: answers, keeps its data across a restart, and leaves nothing behind.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openRedis } from '../redis-connection';
import { TestRedis } from './redis-server';

describe('test redis-server', () => {
  it('starts on a free loopback port, keeps data across a restart, and removes its folder', async () => {
    const server = await TestRedis.start();
    const client = openRedis(server.url);
    try {
      await client.set('k', 'v');
      await server.restart();
      expect(await client.get('k')).toBe('v');
    } finally {
      client.disconnect();
      await server.dispose();
    }
    expect(existsSync(server.dir)).toBe(false);
  });
});
