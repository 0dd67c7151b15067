import type { BaseModelRecord } from '@lora-studio/api';
import type Database from 'better-sqlite3';

/** A base model in the studio's library: its files are a diffusers folder or a BFL-files manifest folder. */
export type ModelRow = BaseModelRecord;

const COLUMNS = 'name, kind, path, added_at AS addedAt, source_repo AS sourceRepo, source_revision AS sourceRevision';

/** The app store's table of added base models (migration 1764480000000_models). */
export class ModelRows {
  constructor(private readonly db: Database.Database) {}

  list(): ModelRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM models ORDER BY name COLLATE NOCASE`).all() as ModelRow[];
  }

  get(name: string): ModelRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM models WHERE name = ?`).get(name) as ModelRow | undefined;
  }

  /** Adding a model again under its name (a resumed or refreshed download) replaces its record. */
  remember(row: Omit<ModelRow, 'addedAt'>): ModelRow {
    const addedAt = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO models (name, kind, path, added_at, source_repo, source_revision) VALUES (@name, @kind, @path, @addedAt, @sourceRepo, @sourceRevision)
         ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, path = excluded.path, added_at = excluded.added_at,
           source_repo = excluded.source_repo, source_revision = excluded.source_revision`,
      )
      .run({ ...row, addedAt });
    return { ...row, addedAt };
  }

  forget(name: string): boolean {
    return this.db.prepare('DELETE FROM models WHERE name = ?').run(name).changes > 0;
  }
}
