// Settings → Compute's "Test connection": one short-lived Redis connection that never retries, so a wrong URL is
// reported at once in words the user can act on (ioredis itself only says "Connection is closed."), then the
// workers that answer on the queue (those whose heartbeat verifies with the secret), so the user knows whether runs
// sent there would be taken.
import { notSignedNote, type ComputeTestResult } from '@lora-studio/api';
import { Redis } from 'ioredis';
import { queueKeys } from './queue-keys';
import { checkRedisUrl, redactedUrl } from './redis-connection';
import { openHeartbeat } from './worker-heartbeat';

/** BullMQ's own floor: older servers lack commands its scripts use. */
const MIN_REDIS = [6, 2];

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return redactedUrl(url);
  }
}

/** The sentence for a failed connection, from the error ioredis saw (its code, or Redis's own reply). */
export function connectionFailure(url: string, error: Error | undefined, timeoutMs: number): string {
  const at = where(url);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = error?.message ?? '';
  if (/^NOAUTH/.test(text)) return `Redis at ${at} wants a password. Put it in the URL: redis://:PASSWORD@${at}.`;
  if (/^WRONGPASS/.test(text)) return `Redis at ${at} refused the user name or password in the URL. Check them, then test again.`;
  if (code === 'ECONNREFUSED') return `Nothing answers at ${at}. Check that redis-server runs there and that the port is right.`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `This machine cannot find the host in ${redactedUrl(url)}. Check its spelling.`;
  if (code === 'ETIMEDOUT' || !error) {
    const tls = url.startsWith('rediss:') ? ' If that server has no TLS, use redis:// instead of rediss://.' : '';
    return `${at} did not answer within ${timeoutMs / 1000} s: a firewall, a wrong port, or a server that is down.${tls}`;
  }
  return `Redis at ${at} could not be reached: ${text || code}.`;
}

function versionOf(info: string): string | undefined {
  return /redis_version:([0-9.]+)/.exec(info)?.[1];
}

function tooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < MIN_REDIS[0]! || (major === MIN_REDIS[0] && minor < MIN_REDIS[1]!);
}

/**
 * The workers whose heartbeat is still alive on this queue: named when it verifies with the secret, otherwise only
 * counted (without a secret, none can be checked, so none is named).
 */
async function liveWorkers(redis: Redis, queueName: string, secret: string | undefined): Promise<{ names: string[]; notSigned: number }> {
  const keys = queueKeys(queueName);
  const names: string[] = [];
  let notSigned = 0;
  for (const name of (await redis.smembers(keys.workers)).sort()) {
    const text = await redis.get(keys.worker(name)).catch((error: Error) => {
      if (/^WRONGTYPE/.test(error.message)) return '';
      throw error;
    });
    if (text === null) continue;
    if (secret && openHeartbeat(text, name, { queueName, secret })) names.push(name);
    else notSigned++;
  }
  return { names, notSigned };
}

/** What the check says of the queue's workers. */
function workersFound(queueName: string, found: { names: string[]; notSigned: number }, secret: string | undefined): string {
  const { names, notSigned } = found;
  if (!secret && notSigned > 0) {
    return `${notSigned} worker${notSigned === 1 ? '' : 's'} answer${notSigned === 1 ? 's' : ''} on the queue "${queueName}"; give the shared secret to see which of them share it.`;
  }
  const listed = names.length === 0
    ? `No worker answers on the queue "${queueName}" yet: start one with lora-studio worker --redis URL, using the same queue name and secret.`
    : `${names.length} worker${names.length === 1 ? '' : 's'} answer${names.length === 1 ? 's' : ''} on the queue "${queueName}": ${names.join(', ')}.`;
  return notSigned > 0 ? `${listed} ${notSignedNote(notSigned)}` : listed;
}

/**
 * Connects once (no retries), asks for the server's version and the queue's workers, and says what it found.
 * `secret`: the queue's, to name only the workers whose heartbeat verifies with it.
 */
export async function checkQueueConnection(redisUrl: string, queueName: string, timeoutMs = 5000, secret?: string): Promise<ComputeTestResult> {
  try {
    checkRedisUrl(redisUrl);
  } catch (error) {
    return { ok: false, message: (error as Error).message, workers: [] };
  }
  let lastError: Error | undefined;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    const version = versionOf(await redis.info('server')) ?? 'unknown';
    if (version !== 'unknown' && tooOld(version)) {
      return { ok: false, message: `Redis ${version} at ${where(redisUrl)} is too old for the run queue: it needs Redis ${MIN_REDIS.join('.')} or newer.`, workers: [] };
    }
    const found = await liveWorkers(redis, queueName, secret);
    return { ok: true, message: `Connected to Redis ${version} at ${where(redisUrl)}. ${workersFound(queueName, found, secret)}`, workers: found.names };
  } catch (error) {
    // connect() only says the connection closed; the 'error' event carries the reason.
    return { ok: false, message: connectionFailure(redisUrl, lastError ?? (error as Error), timeoutMs), workers: [] };
  } finally {
    redis.disconnect();
  }
}
