// Every job payload and control message on the queue carries an HMAC-SHA256 over the queue name and the payload's
// canonical JSON, keyed by the secret that the studio and its workers share. Anyone who can write to Redis but
// does not know the secret cannot make a worker train (or stop, or sample) anything. Events coming back carry one
// too (signEvent), so nobody without the secret can show false progress either; and so do the records the studio
// lists (signRecord: a worker's heartbeat, each field of a run's info), so nobody can show a false worker or run.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The queue name and shared secret that sign (and verify) everything on a queue. */
export interface QueueSigner {
  queueName: string;
  secret: string;
}

/** JSON with object keys sorted at every depth, so the same value always signs to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('A job cannot carry a non-finite number.');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The one HMAC under every signature: a domain line (so no kind of signature stands in for another), the queue name,
 * then what is signed, one line each. `what` names the signed thing in the refusal without a secret.
 */
function queueHmac(secret: string, what: string, domain: string, lines: string[]): string {
  if (!secret) throw new Error(`The run queue needs a shared secret to sign ${what}.`);
  return createHmac('sha256', secret).update([domain, ...lines].join('\n')).digest('hex');
}

export function signPayload(payload: unknown, secret: string, queueName: string): string {
  return queueHmac(secret, 'jobs', 'lora-studio-queue-v1', [queueName, canonicalJson(payload)]);
}

/** Constant-time comparison; false for anything that is not a well-formed signature of this payload. */
export function verifyPayload(payload: unknown, signature: unknown, secret: string, queueName: string): boolean {
  return sameSignature(() => signPayload(payload, secret, queueName), signature);
}

/**
 * A run event as stored in the run's stream: its exact JSON text (no canonical re-encoding, so one HMAC per event),
 * bound to the run and to the claim it was sent under, so an event cannot be moved to another run or another
 * worker's claim. A different prefix from jobs', so neither signature can stand in for the other.
 */
export function signEvent(raw: string, runKey: string, claim: string, secret: string, queueName: string): string {
  return queueHmac(secret, 'events', 'lora-studio-queue-event-v1', [queueName, runKey, claim, raw]);
}

export function verifyEvent(raw: string, runKey: string, claim: string, signature: unknown, secret: string, queueName: string): boolean {
  return sameSignature(() => signEvent(raw, runKey, claim, secret, queueName), signature);
}

/**
 * What a listing shows: a worker's heartbeat ('worker', keyed by the worker's name) or one field of a run's info
 * ('run-info', keyed by the run and the field's name), over its canonical JSON. The kind and key are signed with it,
 * so a record cannot be moved to another worker, run or field, and none stands in for a job or an event.
 */
export function signRecord(kind: 'worker' | 'run-info', key: string, payload: unknown, signer: QueueSigner): string {
  return queueHmac(signer.secret, 'what it lists', `lora-studio-queue-${kind}-v1`, [signer.queueName, key, canonicalJson(payload)]);
}

export function verifyRecord(kind: 'worker' | 'run-info', key: string, payload: unknown, signature: unknown, signer: QueueSigner): boolean {
  return sameSignature(() => signRecord(kind, key, payload, signer), signature);
}

function sameSignature(expected: () => string, signature: unknown): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false;
  let want: string;
  try {
    want = expected();
  } catch {
    return false;
  }
  return timingSafeEqual(Buffer.from(want, 'hex'), Buffer.from(signature, 'hex'));
}
