import Database from 'better-sqlite3';
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A project.sqlite that holds no tables is what an interrupted creation leaves (older versions left one behind on a
 * full disk). It holds no data, so it is safe to create the project again over it; opening it must say so instead of
 * "may be damaged", and creating must not answer "already holds a project".
 */
export function holdsNoTables(file: string): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  // Zero bytes is empty only without a write-ahead log. SQLite itself would ignore a log beside an empty file, but
  // the log may be all that is left of the project: never call that empty (and never clear it).
  if (size === 0) return fileSize(`${file}-wal`) === 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const row = db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number };
    return row.n === 0;
  } catch {
    // Unreadable is not the same as empty: leave it to the usual "may be damaged" answer.
    return false;
  } finally {
    db?.close();
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The SQLite file and its companions (write-ahead log, shared memory, rollback journal). */
export function databaseFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/**
 * True when `dir` holds nothing but an unfinished creation: an empty `fileName`, its companions and the project's
 * own subfolders, all empty. Anything else in it might be the user's, so it is never cleared.
 */
export function isUnfinishedProject(dir: string, fileName: string, folders: readonly string[]): boolean {
  const file = join(dir, fileName);
  if (!holdsNoTables(file)) return false;
  const allowedFiles = new Set(databaseFiles(fileName));
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && allowedFiles.has(entry.name)) continue;
    if (entry.isDirectory() && folders.includes(entry.name) && readdirSync(join(dir, entry.name)).length === 0) continue;
    return false;
  }
  return true;
}

/** Removes what an unfinished creation left, so the folder is empty again. */
export function clearUnfinishedProject(dir: string, fileName: string, folders: readonly string[]): void {
  for (const f of databaseFiles(join(dir, fileName))) rmSync(f, { force: true });
  for (const sub of folders) {
    try {
      rmdirSync(join(dir, sub)); // empty, as isUnfinishedProject checked: never a recursive delete here
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
    }
  }
}
