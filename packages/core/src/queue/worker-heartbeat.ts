// A worker's heartbeat: what the Workers panel and "runs --queue" show of it, rewritten every 2 s under the worker's
// key and signed with the queue's secret (one HMAC over the whole record, bound to the worker's name). A heartbeat
// that does not verify is not shown as a worker: whoever wrote it could write to Redis but lacks the secret (or runs
// an older version, which did not sign).
import type { QueueWorkerSummary } from '@lora-studio/api';
import { signRecord, verifyRecord, type QueueSigner } from './job-signature';

/** A worker's heartbeat as it writes it: what the Workers panel shows, plus the run keys and its start time. */
export interface WorkerInfo extends Omit<QueueWorkerSummary, 'runs'> {
  runs: (QueueWorkerSummary['runs'][number] & { runKey: string })[];
  startedAt: string;
}

/** The stored text: the record's JSON with its signature beside its fields. */
export function heartbeatText(info: WorkerInfo, signer: QueueSigner): string {
  return JSON.stringify({ ...info, signature: signRecord('worker', info.name, info, signer) });
}

/** The heartbeat stored under worker `name`'s key, or undefined when it is not one this queue's secret signed. */
export function openHeartbeat(text: string, name: string, signer: QueueSigner): WorkerInfo | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { signature, ...info } = parsed as Record<string, unknown>;
  // Signed by a worker holding the secret, so the record is one that worker wrote, in this version's shape.
  return verifyRecord('worker', name, info, signature, signer) ? (info as unknown as WorkerInfo) : undefined;
}
