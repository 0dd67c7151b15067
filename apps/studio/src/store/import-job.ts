import type { ImportSummary } from '@lora-studio/api';

/**
 * An import the user started by dropping or picking files: one item per dropped file (browser mode uploads each)
 * or per dropped path (desktop: a folder or .zip is one item). Pure state changes, so they are tested without a UI.
 */

export type ImportItemStatus = 'waiting' | 'sending' | 'analysing' | 'imported' | 'duplicate' | 'rejected' | 'cancelled' | 'failed';

export interface ImportItem {
  key: number;
  name: string;
  status: ImportItemStatus;
  /** 0–1: bytes sent (browser) or files done inside a folder (desktop). */
  progress: number;
  /** Why it was refused, skipped or failed, in the services' words; for folders, what happened inside. */
  message: string | null;
  imported: number;
  duplicates: number;
  rejected: number;
}

export interface ImportJob {
  id: string;
  dir: string;
  items: ImportItem[];
  /** Dropped files that are not images (caption sidecars, documents): left out, named so the user knows. */
  skipped: string[];
  cancelled: boolean;
  finished: boolean;
}

const SETTLED: ReadonlySet<ImportItemStatus> = new Set(['imported', 'duplicate', 'rejected', 'cancelled', 'failed']);

export function isSettled(status: ImportItemStatus): boolean {
  return SETTLED.has(status);
}

function newItem(key: number, name: string): ImportItem {
  return { key, name, status: 'waiting', progress: 0, message: null, imported: 0, duplicates: 0, rejected: 0 };
}

/** A new job, or the running one with more items queued (a second drop while the first is still importing). */
export function queueItems(job: ImportJob | null, id: string, dir: string, names: string[], skipped: string[]): ImportJob {
  const keep = job && !job.finished && !job.cancelled && job.dir === dir ? job : null;
  const base = keep ?? { id, dir, items: [], skipped: [], cancelled: false, finished: false };
  const start = base.items.length;
  return {
    ...base,
    items: [...base.items, ...names.map((name, i) => newItem(start + i, name))],
    skipped: [...base.skipped, ...skipped],
    finished: names.length === 0 && base.items.every((item) => isSettled(item.status)),
  };
}

export function updateItem(job: ImportJob, key: number, change: Partial<Omit<ImportItem, 'key'>>): ImportJob {
  const items = job.items.slice();
  items[key] = { ...items[key]!, ...change };
  return { ...job, items };
}

/** What the services said about one item: its status, and for folders/zips the counts and the first refusals. */
export function settleFromSummary(item: ImportItem, summary: ImportSummary): ImportItem {
  const counts = { imported: summary.imported, duplicates: summary.duplicates, rejected: summary.rejected, progress: 1 };
  const [only] = summary.files;
  if (summary.files.length === 1 && only && !summary.cancelled) {
    return { ...item, ...counts, status: only.status, message: only.reason ?? only.note ?? null };
  }
  // Notes on imported files (a caption too long to keep) are shown with the refusals, never dropped without a word.
  const problems = summary.files.filter((f) => f.status !== 'imported' || f.note).slice(0, 3).map((f) => `${f.source}: ${f.reason ?? f.note ?? f.status}`);
  const status: ImportItemStatus = summary.cancelled ? 'cancelled' : summary.imported > 0 ? 'imported' : summary.rejected > 0 ? 'rejected' : 'duplicate';
  const parts = [`${summary.imported} imported`];
  if (summary.duplicates) parts.push(`${summary.duplicates} already in the project`);
  if (summary.rejected) parts.push(`${summary.rejected} refused`);
  return { ...item, ...counts, status, message: [`${parts.join(', ')}.`, ...problems].join(' ') };
}

/** Items not yet started are cancelled at once; running ones settle when the services confirm. */
export function cancelWaiting(job: ImportJob): ImportJob {
  return {
    ...job,
    cancelled: true,
    items: job.items.map((item) => (item.status === 'waiting' ? { ...item, status: 'cancelled', message: 'Cancelled before it started.' } : item)),
  };
}

export function finishIfSettled(job: ImportJob): ImportJob {
  return job.items.every((item) => isSettled(item.status)) ? { ...job, finished: true } : job;
}

export interface ImportTotals {
  total: number;
  settled: number;
  /** 0–1 over all items, counting the part of each running item already done. */
  fraction: number;
  imported: number;
  duplicates: number;
  rejected: number;
  failed: number;
}

export function importTotals(job: ImportJob): ImportTotals {
  const totals: ImportTotals = { total: job.items.length, settled: 0, fraction: 0, imported: 0, duplicates: 0, rejected: 0, failed: 0 };
  let done = 0;
  for (const item of job.items) {
    const settled = isSettled(item.status);
    if (settled) totals.settled++;
    done += settled ? 1 : item.progress;
    totals.imported += item.imported;
    totals.duplicates += item.duplicates;
    totals.rejected += item.rejected;
    if (item.status === 'failed') totals.failed++;
  }
  totals.fraction = totals.total === 0 ? 1 : done / totals.total;
  return totals;
}
