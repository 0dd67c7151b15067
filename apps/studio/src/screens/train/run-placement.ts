import type { RunSummary } from '@lora-studio/api';

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/**
 * Where a run is, in a few words for the run list and the run's header: this machine, or on the run queue its place
 * in line while it waits, then the worker that trains it (or last did, once it ended).
 */
export function placementText(run: Pick<RunSummary, 'status' | 'where'>): string {
  const where = run.where;
  if (where.kind === 'this-machine') return 'This machine';
  const group = where.labels.length > 0 ? ` · workers labelled ${where.labels.join(', ')}` : '';
  const on = where.worker ? ` on ${where.worker}` : '';
  switch (run.status) {
    case 'queued':
      return (where.position !== null ? `Queued, ${ordinal(where.position)} in line` : 'Queued on the run queue') + group;
    case 'running':
      return where.worker ? `On worker ${where.worker}` : 'Starting on the run queue';
    case 'paused':
      return `Paused${on}`;
    case 'finished':
      return `Finished${on}`;
    case 'stopped':
      return `Stopped${on}`;
    case 'failed':
      return `Failed${on}`;
    case 'interrupted':
      return where.worker ? `Interrupted (last on ${where.worker})` : 'Interrupted before a worker took it';
  }
}
