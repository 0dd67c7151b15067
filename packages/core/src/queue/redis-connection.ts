// One way to open Redis for the queue: BullMQ needs blocking commands never to give up (maxRetriesPerRequest null),
// and a studio or worker that loses Redis for a while keeps reconnecting instead of failing the run.
import { Redis } from 'ioredis';

export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a Redis URL. Use redis://HOST:PORT or rediss://:PASSWORD@HOST:PORT.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`"${url}" is not a Redis URL. Use redis://HOST:PORT or rediss://:PASSWORD@HOST:PORT.`);
  return url;
}

export function openRedis(url: string): Redis {
  return new Redis(checkRedisUrl(url), {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Redis restarted or the network dropped: try again every half second, up to 2 s apart.
    retryStrategy: (times) => Math.min(500 * times, 2000),
  });
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unreadable URL)';
  }
}
