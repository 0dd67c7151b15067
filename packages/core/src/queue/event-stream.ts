// A run's event stream in Redis, written and read in one place: each entry holds the event's JSON ('e'), the claim
// of the worker that sent it ('c', absent for the studio's own events) and an HMAC of both ('s', see signEvent).
// Whoever can write to Redis but lacks the shared secret cannot add an event that a follower applies.
import type { Redis } from 'ioredis';
import { checkedEvent } from './event-shape';
import { signEvent, verifyEvent, type QueueSigner } from './job-signature';
import type { QueueEvent } from './queue-events';
import type { QueueKeys } from './queue-keys';

/** The queue name and shared secret that sign (and verify) every event of the queue. */
export type EventSigner = QueueSigner;

export async function appendRunEvent(redis: Redis, keys: QueueKeys, signer: EventSigner, runKey: string, event: QueueEvent, claim?: string): Promise<void> {
  const raw = JSON.stringify(event);
  const signature = signEvent(raw, runKey, claim ?? '', signer.secret, signer.queueName);
  if (claim) await redis.xadd(keys.runEvents(runKey), '*', 'e', raw, 'c', claim, 's', signature);
  else await redis.xadd(keys.runEvents(runKey), '*', 'e', raw, 's', signature);
}

/** One stream entry read back: an event to use, one whose signature does not verify, or a signed one of a shape this version does not write. */
export type OpenedRunEvent =
  | { kind: 'event'; event: QueueEvent; claim: string | undefined }
  | { kind: 'unsigned' }
  | { kind: 'malformed' };

/** Verifies first (one HMAC over the stored text), then checks the shape: nothing unverified is even parsed. */
export function openRunEvent(fields: string[], runKey: string, signer: EventSigner): OpenedRunEvent {
  const raw = field(fields, 'e');
  const claim = field(fields, 'c');
  if (raw === undefined || !verifyEvent(raw, runKey, claim ?? '', field(fields, 's'), signer.secret, signer.queueName)) return { kind: 'unsigned' };
  const event = checkedEvent(raw);
  return event ? { kind: 'event', event, claim } : { kind: 'malformed' };
}

/** A field of a stream entry ([name, value, name, value…]). */
function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
