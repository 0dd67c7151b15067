import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { diskProblemOf } from './disk-problems';
import { applyMigrations, readMigrations } from './migrations';
import { migrationsDir } from './runtime-files';

const migrationsRoot = migrationsDir();

export type DatabaseKind = 'app' | 'project';

/** Opens (creating if needed) a store file in WAL mode with foreign keys on, migrated to the current schema. */
export function openDatabase(file: string, kind: DatabaseKind): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw diskProblemOf(err, dirname(file)) ?? err;
  }
  try {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs at checkpoints instead of at every commit: a crash of the studio loses nothing and
    // the file stays consistent; only a power cut may drop the last commits (an import's files are then swept as
    // orphans). FULL cost an fsync per imported image, on the thread that serves the user.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    applyMigrations(db, readMigrations(join(migrationsRoot, kind)));
    return db;
  } catch (err) {
    db.close();
    // A full or read-only disk shows up here first (WAL needs its -shm file); name it instead of "disk I/O error".
    throw diskProblemOf(err, dirname(file)) ?? err;
  }
}
