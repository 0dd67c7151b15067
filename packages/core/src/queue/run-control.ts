// Pause, resume, stop, sample-now and save-now for a run on the queue: signed messages on the run's control list,
// which the worker training it reads. A message that does not verify is dropped (and said in the worker's log).
import type { Redis } from 'ioredis';
import { signPayload, verifyPayload } from './job-signature';
import type { QueueKeys } from './queue-keys';

export type RunControl =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'save-checkpoint-now' }
  | { type: 'sample-now'; prompt: string; seed?: number };

interface ControlMessage {
  runKey: string;
  control: RunControl;
  sentAt: string;
}

export async function sendRunControl(redis: Redis, keys: QueueKeys, secret: string, queueName: string, runKey: string, control: RunControl): Promise<void> {
  const message: ControlMessage = { runKey, control, sentAt: new Date().toISOString() };
  await redis.rpush(keys.runControl(runKey), JSON.stringify({ message, signature: signPayload(message, secret, queueName) }));
  // Nobody reads the list of a run that is not training: it must not outlive the run by much.
  await redis.expire(keys.runControl(runKey), 7 * 24 * 3600);
}

/** The control in a raw list entry when it is signed for this run; undefined otherwise. */
export function openRunControl(raw: string, runKey: string, secret: string, queueName: string): RunControl | undefined {
  let parsed: { message?: ControlMessage; signature?: string };
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    return undefined;
  }
  const m = parsed.message;
  if (!m || m.runKey !== runKey || !verifyPayload(m, parsed.signature, secret, queueName)) return undefined;
  const c = m.control;
  switch (c?.type) {
    case 'pause':
    case 'resume':
    case 'stop':
    case 'save-checkpoint-now':
      return { type: c.type };
    case 'sample-now':
      if (typeof c.prompt !== 'string' || c.prompt.length > 2000) return undefined;
      if (c.seed !== undefined && !Number.isSafeInteger(c.seed)) return undefined;
      return c.seed === undefined ? { type: 'sample-now', prompt: c.prompt } : { type: 'sample-now', prompt: c.prompt, seed: c.seed };
    default:
      return undefined;
  }
}
