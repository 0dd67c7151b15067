// The queue's record of each run (a Redis hash per run, and a sorted set of all runs by submit time), written by
// the submitter and the worker training it, read by "runs --queue" and the studio's run list.
import type { Redis } from 'ioredis';
import type { RunStatus } from '@lora-studio/api';
import type { QueueRunInfo } from './queue-events';
import type { QueueKeys } from './queue-keys';

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused', 'finished', 'stopped', 'failed', 'interrupted'];

export async function writeRunInfo(redis: Redis, keys: QueueKeys, runKey: string, fields: Partial<Omit<QueueRunInfo, 'runKey'>>): Promise<void> {
  const flat: Record<string, string> = { updatedAt: new Date().toISOString() };
  for (const [k, v] of Object.entries(fields)) flat[k] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  await redis.hset(keys.runInfo(runKey), flat);
}

export async function readRunInfo(redis: Redis, keys: QueueKeys, runKey: string): Promise<QueueRunInfo | undefined> {
  const h = await redis.hgetall(keys.runInfo(runKey));
  if (!h.name && !h.status) return undefined;
  let labels: string[] = [];
  try {
    labels = JSON.parse(h.labels ?? '[]') as string[];
  } catch { /* a damaged field reads as no labels */ }
  return {
    runKey,
    name: h.name ?? '',
    status: STATUSES.includes(h.status as RunStatus) ? (h.status as RunStatus) : 'queued',
    worker: h.worker ?? '',
    step: Number(h.step ?? 0) || 0,
    totalSteps: Number(h.totalSteps ?? 0) || 0,
    labels,
    submittedAt: h.submittedAt ?? '',
    updatedAt: h.updatedAt ?? '',
    message: h.message ?? '',
  };
}

/** How long an ended run's history, state and files' references stay in Redis (its artifacts have their own TTL). */
export const ENDED_RUN_TTL_S = 7 * 24 * 3600;

/** Lets an ended run's keys expire; a run queued again keeps them (keepRun). */
export async function expireRun(redis: Redis, keys: QueueKeys, runKey: string, seconds = ENDED_RUN_TTL_S): Promise<void> {
  const p = redis.multi();
  for (const k of runKeysOf(keys, runKey)) p.expire(k, seconds);
  await p.exec();
}

export async function keepRun(redis: Redis, keys: QueueKeys, runKey: string): Promise<void> {
  const p = redis.multi();
  for (const k of runKeysOf(keys, runKey)) p.persist(k);
  await p.exec();
}

function runKeysOf(keys: QueueKeys, runKey: string): string[] {
  return [keys.runInfo(runKey), keys.runState(runKey), keys.runEvents(runKey), keys.runRefusals(runKey), keys.runControl(runKey)];
}
