// The queue's record of each run (a Redis hash per run, and a sorted set of all runs by submit time), written by
// the submitter and the worker training it, read by "runs --queue" and the studio's run list. Each field carries its
// own HMAC ('s.FIELD', see signRecord), bound to the run and the field: the submitter and the worker update different
// fields of the same hash at the same time, each in one HSET, which one signature over the whole hash would turn into
// a read-modify-write across machines. A run is shown only when every field verifies.
import type { Redis } from 'ioredis';
import type { RunStatus } from '@lora-studio/api';
import { signRecord, verifyRecord, type QueueSigner } from './job-signature';
import type { QueueRunInfo } from './queue-events';
import type { QueueKeys } from './queue-keys';

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused', 'finished', 'stopped', 'failed', 'interrupted'];

/** Every field a run's info holds: the submitter writes them all, so a record missing one was not written by us. */
const FIELDS = ['name', 'status', 'worker', 'step', 'totalSteps', 'labels', 'submittedAt', 'updatedAt', 'message'] as const;
type Field = (typeof FIELDS)[number];

const signatureField = (field: Field) => `s.${field}`;

export async function writeRunInfo(redis: Redis, keys: QueueKeys, signer: QueueSigner, runKey: string, fields: Partial<Omit<QueueRunInfo, 'runKey'>>): Promise<void> {
  const flat: Partial<Record<Field, string>> = { updatedAt: new Date().toISOString() };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) flat[k as Field] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  const signed: Record<string, string> = {};
  for (const [field, value] of Object.entries(flat) as [Field, string][]) {
    signed[field] = value;
    signed[signatureField(field)] = signRecord('run-info', `${runKey}\n${field}`, value, signer);
  }
  await redis.hset(keys.runInfo(runKey), signed);
}

/** A run's info read back: absent (expired), one whose fields do not all verify, or the run as its writers left it. */
export type OpenedRunInfo = { kind: 'absent' } | { kind: 'not-signed' } | { kind: 'info'; info: QueueRunInfo };

export async function readRunInfo(redis: Redis, keys: QueueKeys, signer: QueueSigner, runKey: string): Promise<OpenedRunInfo> {
  let h: Record<string, string>;
  try {
    h = await redis.hgetall(keys.runInfo(runKey));
  } catch (error) {
    // A key of another type where the run's info belongs: not written by a worker or studio.
    if (/^WRONGTYPE/.test((error as Error).message)) return { kind: 'not-signed' };
    throw error;
  }
  if (!FIELDS.some((f) => h[f] !== undefined)) return { kind: 'absent' };
  for (const f of FIELDS) {
    if (h[f] === undefined || !verifyRecord('run-info', `${runKey}\n${f}`, h[f], h[signatureField(f)], signer)) return { kind: 'not-signed' };
  }
  let labels: string[] = [];
  try {
    labels = JSON.parse(h.labels!) as string[];
  } catch { /* a damaged field reads as no labels */ }
  return {
    kind: 'info',
    info: {
      runKey,
      name: h.name!,
      status: STATUSES.includes(h.status as RunStatus) ? (h.status as RunStatus) : 'queued',
      worker: h.worker!,
      step: Number(h.step) || 0,
      totalSteps: Number(h.totalSteps) || 0,
      labels,
      submittedAt: h.submittedAt!,
      updatedAt: h.updatedAt!,
      message: h.message!,
    },
  };
}

/** The run's info when it verifies; undefined when absent or not signed with this secret. */
export async function trustedRunInfo(redis: Redis, keys: QueueKeys, signer: QueueSigner, runKey: string): Promise<QueueRunInfo | undefined> {
  const opened = await readRunInfo(redis, keys, signer, runKey);
  return opened.kind === 'info' ? opened.info : undefined;
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
