import type { QueueWorkerSummary } from '@lora-studio/api';

/** "just now", "4 s ago", "3 min ago": workers answer every 2 s, so anything longer means trouble. */
export function lastAnswered(heartbeatAt: string, now: number): string {
  const at = Date.parse(heartbeatAt);
  if (Number.isNaN(at)) return 'never';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 2) return 'just now';
  if (seconds < 120) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min ago`;
  return new Date(at).toLocaleString();
}

/** What the worker trains now: "Idle", or each run with its step. */
export function workerDoing(worker: Pick<QueueWorkerSummary, 'runs'>): string {
  if (worker.runs.length === 0) return 'Idle, waiting for runs';
  return worker.runs.map(runDoing).join('; ');
}

function runDoing(run: QueueWorkerSummary['runs'][number]): string {
  if (run.status === 'preparing') return `Getting ready for ${run.name}`;
  return `${run.status === 'paused' ? 'Paused on' : 'Training'} ${run.name} (step ${run.step.toLocaleString()})`;
}

function gigabytes(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}

export function workerMemory(worker: Pick<QueueWorkerSummary, 'freeMemoryBytes' | 'totalMemoryBytes'>): string {
  return `${gigabytes(worker.freeMemoryBytes)} of ${gigabytes(worker.totalMemoryBytes)} GB free`;
}
