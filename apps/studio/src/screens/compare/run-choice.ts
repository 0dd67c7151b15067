import type { RunSummary } from '@lora-studio/api';

/** The run a user most likely wants to compare or export: the newest finished one, else the newest that has started. */
export function defaultPick(runs: readonly RunSummary[]): RunSummary | null {
  const newestFirst = [...runs].sort((a, b) => b.id - a.id);
  return newestFirst.find((r) => r.status === 'finished') ?? newestFirst.find((r) => r.status !== 'queued') ?? null;
}
