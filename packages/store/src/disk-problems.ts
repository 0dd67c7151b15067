import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The one place that recognises disk trouble — a full disk, a read-only one, a folder we may not write, a failing
 * device — in whatever form it arrives (Node's ENOSPC/EROFS/EACCES…, SQLite's SQLITE_FULL/READONLY/CANTOPEN/IOERR),
 * and turns it into a sentence that names the folder, its free space and what to do. Raw, these read "disk I/O
 * error" or "unable to open database file", and a retry can never help.
 */
export type DiskProblemKind = 'full' | 'read-only' | 'permission' | 'failing';

export class DiskProblemError extends Error {
  override name = 'DiskProblemError';
  constructor(
    readonly kind: DiskProblemKind,
    /** The folder the studio was using, when known. */
    readonly folder: string | undefined,
    /** Free bytes on that folder's disk, when it could be measured. */
    readonly freeBytes: number | undefined,
    /** The low-level code, e.g. "ENOSPC" or "SQLITE_IOERR_WRITE". */
    readonly systemCode: string,
  ) {
    super(diskProblemMessage(kind, folder, freeBytes, systemCode));
  }
}

/** Below this a write failure is a full disk, whatever the driver called it (SQLite often says "disk I/O error"). */
const NEARLY_FULL_BYTES = 1_000_000;

const NODE_CODES: Record<string, DiskProblemKind> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EROFS: 'read-only',
  EACCES: 'permission',
  EPERM: 'permission',
  EIO: 'failing',
};

/** SQLite codes are prefixes: better-sqlite3 reports extended codes such as SQLITE_IOERR_WRITE or SQLITE_READONLY_DBMOVED. */
const SQLITE_CODES: [string, DiskProblemKind | 'probe'][] = [
  ['SQLITE_FULL', 'full'],
  ['SQLITE_READONLY', 'read-only'],
  // These two say only that a file could not be opened or written; the folder itself tells why.
  ['SQLITE_CANTOPEN', 'probe'],
  ['SQLITE_IOERR', 'probe'],
];

/**
 * The disk problem behind `err`, or undefined when it is something else. `folderHint` names the folder the caller was
 * working in (a project, the studio's home), used when the error itself carries no path (SQLite errors never do).
 */
export function diskProblemOf(err: unknown, folderHint?: string): DiskProblemError | undefined {
  if (err instanceof DiskProblemError) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const errPath = (err as { path?: unknown }).path;
  const folder = existingFolderOf(typeof errPath === 'string' ? errPath : folderHint);
  let kind: DiskProblemKind | 'probe' | undefined = NODE_CODES[code];
  if (!kind) kind = SQLITE_CODES.find(([prefix]) => code.startsWith(prefix))?.[1];
  if (!kind) return undefined;
  const free = folder === undefined ? undefined : freeBytesOn(folder);
  if (kind === 'probe') kind = probeFolder(folder, free);
  // A write that failed with almost nothing left is a full disk, whatever the code says.
  if (kind === 'failing' && free !== undefined && free < NEARLY_FULL_BYTES) kind = 'full';
  return new DiskProblemError(kind, folder, free, code);
}

/** Free bytes for an unprivileged writer on the disk that holds `folder`; undefined when it cannot be measured. */
export function freeBytesOn(folder: string): number | undefined {
  try {
    const s = statfsSync(folder);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** `path` itself when it is an existing folder, else its nearest existing ancestor folder. */
export function existingFolderOf(path: string | undefined): string | undefined {
  if (path === undefined || path.includes('\0')) return undefined;
  let current = resolve(path);
  for (;;) {
    try {
      if (statSync(current).isDirectory()) return current;
    } catch {
      // missing or unreadable: look one level up
    }
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Why a file in `folder` could not be opened or written: access(W_OK) answers EROFS even for root. */
function probeFolder(folder: string | undefined, free: number | undefined): DiskProblemKind {
  if (folder !== undefined) {
    try {
      accessSync(folder, constants.W_OK);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'EROFS') return 'read-only';
      if (code === 'EACCES' || code === 'EPERM') return 'permission';
    }
  }
  if (free !== undefined && free < NEARLY_FULL_BYTES) return 'full';
  return 'failing';
}

export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return mb < 10 ? mb.toFixed(1) : String(Math.round(mb));
}

function diskProblemMessage(kind: DiskProblemKind, folder: string | undefined, free: number | undefined, cause: string): string {
  const where = folder ?? 'the folder LoRA Studio writes to';
  const freeText = free === undefined ? '' : ` (${formatMegabytes(free)} MB free)`;
  switch (kind) {
    case 'full':
      return `The disk that holds ${where} is full${freeText}. Free space on it, or choose a folder on another disk.`;
    case 'read-only':
      return `${where} is read-only; choose a writable folder, or make that disk writable.`;
    case 'permission':
      return `LoRA Studio is not allowed to write to ${where} (permission denied); choose a folder you own, or change its permissions.`;
    case 'failing':
      return `The disk that holds ${where} failed to read or write (${cause})${freeText}. Check that the disk is still connected and healthy, or choose a folder on another disk.`;
  }
}
