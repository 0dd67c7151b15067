import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  id: string; // file name without .sql: "<ms timestamp>_<name>"
  sql: string;
}

const MIGRATION_FILE = /^(\d+)_[a-z0-9_]+\.sql$/;

/** Reads `<dir>/<ms>_<name>.sql` in timestamp order. A stray file name is an error, not something to skip silently. */
export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  for (const f of files) {
    if (!MIGRATION_FILE.test(f)) {
      throw new Error(`Migration file "${f}" in ${dir} is not named <timestamp>_<name>.sql; rename it.`);
    }
  }
  return files
    .sort((a, b) => Number(a.split('_')[0]) - Number(b.split('_')[0]) || a.localeCompare(b))
    .map((f) => ({ id: f.slice(0, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Brings a database up to date. The applied ids must be exactly a prefix of the known list:
 * an applied migration we do not know means the file comes from a newer studio; a known one missing
 * before an applied one means history was rewritten. Both are hard errors: guessing would corrupt data.
 */
export function applyMigrations(db: Database.Database, migrations: Migration[]): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = (db.prepare('SELECT id FROM migrations').all() as { id: string }[]).map((r) => r.id);
  const known = new Set(migrations.map((m) => m.id));
  const unknown = applied.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `This database has migrations this version of LoRA Studio does not know (${unknown.join(', ')}). ` +
        'It was probably written by a newer version: update LoRA Studio to open it.',
    );
  }
  const appliedSet = new Set(applied);
  const lastApplied = migrations.reduce((last, m, i) => (appliedSet.has(m.id) ? i : last), -1);
  const gaps = migrations.slice(0, lastApplied + 1).filter((m) => !appliedSet.has(m.id));
  if (gaps.length > 0) {
    throw new Error(
      `Migrations ${gaps.map((m) => m.id).join(', ')} were never applied to this database, but later ones were. ` +
        'The database history is inconsistent; restore it from a backup.',
    );
  }
  const pending = migrations.slice(lastApplied + 1);
  const record = db.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)');
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, new Date().toISOString());
    })();
  }
  return pending.map((m) => m.id);
}
