import type Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from './open';

export const PROJECT_FILE = 'project.sqlite';
/** The folders every project has (ARCHITECTURE.md, "The store"). */
export const PROJECT_FOLDERS = ['images', 'cache', 'runs'] as const;

export interface ProjectRow {
  name: string;
  type: 'subject' | 'style' | 'object';
  trigger: string;
  createdAt: string;
  updatedAt: string;
}

export function isProjectFolder(dir: string): boolean {
  return existsSync(join(dir, PROJECT_FILE));
}

/** One project folder: its SQLite store (single writer: the host process) and its files. */
export class ProjectStore {
  readonly dir: string;
  readonly db: Database.Database;

  private constructor(dir: string, db: Database.Database) {
    this.dir = dir;
    this.db = db;
  }

  /** Creates a project in `dir`, which must not exist or be empty, so we never mix a project into unrelated files. */
  static create(dir: string, settings: Pick<ProjectRow, 'name' | 'type' | 'trigger'>): ProjectStore {
    if (existsSync(dir)) {
      if (isProjectFolder(dir)) throw new ProjectFolderError(`${dir} already holds a LoRA Studio project. Open it instead.`);
      if (readdirSync(dir).length > 0) {
        throw new ProjectFolderError(`${dir} is not empty. Choose an empty or new folder for the project.`);
      }
    }
    mkdirSync(dir, { recursive: true });
    for (const sub of PROJECT_FOLDERS) mkdirSync(join(dir, sub), { recursive: true });
    const store = new ProjectStore(dir, openDatabase(join(dir, PROJECT_FILE), 'project'));
    const now = new Date().toISOString();
    store.db
      .prepare('INSERT INTO project (id, name, type, trigger, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)')
      .run(settings.name, settings.type, settings.trigger, now, now);
    return store;
  }

  static open(dir: string): ProjectStore {
    if (!isProjectFolder(dir)) {
      throw new ProjectFolderError(`${dir} is not a LoRA Studio project (no ${PROJECT_FILE} in it).`);
    }
    for (const sub of PROJECT_FOLDERS) mkdirSync(join(dir, sub), { recursive: true });
    return new ProjectStore(dir, openDatabase(join(dir, PROJECT_FILE), 'project'));
  }

  settings(): ProjectRow {
    const row = this.db
      .prepare('SELECT name, type, trigger, created_at AS createdAt, updated_at AS updatedAt FROM project WHERE id = 1')
      .get() as ProjectRow | undefined;
    if (!row) throw new ProjectFolderError(`${this.dir} has a project file without settings; it may be damaged.`);
    return row;
  }

  updateSettings(change: Partial<Pick<ProjectRow, 'name' | 'type' | 'trigger'>>): ProjectRow {
    const next = { ...this.settings(), ...change, updatedAt: new Date().toISOString() };
    this.db
      .prepare('UPDATE project SET name = @name, type = @type, trigger = @trigger, updated_at = @updatedAt WHERE id = 1')
      .run(next);
    return next;
  }

  close(): void {
    this.db.close();
  }
}

export class ProjectFolderError extends Error {
  override name = 'ProjectFolderError';
}
