import { ConflictError } from '@lora-studio/api';
import type Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { diskProblemOf } from './disk-problems';
import { assertFolderCanBeMade } from './folder-to-create';
import { openDatabase } from './open';
import { clearUnfinishedProject, databaseFiles, holdsNoTables, isUnfinishedProject } from './unfinished-project';

export const PROJECT_FILE = 'project.sqlite';
/** The folders every project has (docs/architecture.md §Where files live). */
export const PROJECT_FOLDERS = ['images', 'cache', 'runs'] as const;

/** What a subject LoRA learns: face checks apply to people only (a teddy bear has no face to find). */
export type SubjectKind = 'person' | 'character' | 'thing';

export interface ProjectRow {
  name: string;
  type: 'subject' | 'style' | 'object';
  trigger: string;
  /** Subject projects only; null for style and object. */
  subjectKind: SubjectKind | null;
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

  /**
   * Creates a project in `dir`, which must not exist or be empty, so we never mix a project into unrelated files.
   * One transaction: when any step fails (a full or read-only disk, a SQLite error, or `afterCreate` — the caller's
   * own bookkeeping) everything this call made is removed again, so the folder can simply be chosen again.
   */
  static create(
    dir: string,
    settings: Pick<ProjectRow, 'name' | 'type' | 'trigger'> & { subjectKind?: SubjectKind | null },
    afterCreate?: (store: ProjectStore) => void,
  ): ProjectStore {
    assertFolderCanBeMade(dir);
    if (existsSync(dir)) {
      if (isUnfinishedProject(dir, PROJECT_FILE, PROJECT_FOLDERS)) clearUnfinishedProject(dir, PROJECT_FILE, PROJECT_FOLDERS);
      else if (isProjectFolder(dir)) throw new ProjectFolderError(`${dir} already holds a LoRA Studio project. Open it instead.`);
      else if (readdirSync(dir).length > 0) {
        throw new ProjectFolderError(`${dir} is not empty. Choose an empty or new folder for the project.`);
      }
    }
    // The folders this call made, outermost first; the database files are ours too, as the folder was empty.
    const made: string[] = [];
    let store: ProjectStore | undefined;
    try {
      const outermost = mkdirSync(dir, { recursive: true });
      if (outermost !== undefined) made.push(outermost);
      for (const sub of PROJECT_FOLDERS) {
        const folder = join(dir, sub);
        if (existsSync(folder)) continue;
        mkdirSync(folder);
        if (outermost === undefined) made.push(folder);
      }
      store = new ProjectStore(dir, openDatabase(join(dir, PROJECT_FILE), 'project'));
      const now = new Date().toISOString();
      store.db
        .prepare('INSERT INTO project (id, name, type, trigger, subject_kind, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
        .run(settings.name, settings.type, settings.trigger, subjectKindFor(settings.type, settings.subjectKind), now, now);
      afterCreate?.(store);
      return store;
    } catch (err) {
      const problem = diskProblemOf(err, dir) ?? err;
      undoCreation(dir, store, made);
      throw problem;
    }
  }

  static open(dir: string): ProjectStore {
    if (!isProjectFolder(dir)) {
      throw new ProjectFolderError(`${dir} is not a LoRA Studio project (no ${PROJECT_FILE} in it).`);
    }
    if (holdsNoTables(join(dir, PROJECT_FILE))) {
      throw new ProjectFolderError(
        `${dir} holds an empty ${PROJECT_FILE} left by a project creation that did not finish (for example on a full disk). ` +
          'It holds no data: create the project again in this same folder.',
      );
    }
    try {
      for (const sub of PROJECT_FOLDERS) mkdirSync(join(dir, sub), { recursive: true });
    } catch (err) {
      throw diskProblemOf(err, dir) ?? err;
    }
    return new ProjectStore(dir, openDatabase(join(dir, PROJECT_FILE), 'project'));
  }

  settings(): ProjectRow {
    const row = this.db
      .prepare('SELECT name, type, trigger, subject_kind AS subjectKind, created_at AS createdAt, updated_at AS updatedAt FROM project WHERE id = 1')
      .get() as ProjectRow | undefined;
    if (!row) throw new ProjectFolderError(`${this.dir} has a project file without settings; it may be damaged.`);
    return row;
  }

  updateSettings(change: Partial<Pick<ProjectRow, 'name' | 'type' | 'trigger' | 'subjectKind'>>): ProjectRow {
    const current = this.settings();
    const merged = { ...current, ...change, updatedAt: new Date().toISOString() };
    // A project that becomes a subject one keeps a kind it names, else is judged as a person, as before the question.
    const next = { ...merged, subjectKind: subjectKindFor(merged.type, change.subjectKind ?? current.subjectKind) };
    this.db
      .prepare('UPDATE project SET name = @name, type = @type, trigger = @trigger, subject_kind = @subjectKind, updated_at = @updatedAt WHERE id = 1')
      .run(next);
    return next;
  }

  close(): void {
    this.db.close();
  }
}

/** Removes exactly what a failed `create` made: its database files and the folders it created. */
function undoCreation(dir: string, store: ProjectStore | undefined, made: string[]): void {
  try {
    store?.close();
  } catch {
    // Closing a store whose disk is full may fail too; the files go next either way.
  }
  for (const file of databaseFiles(join(dir, PROJECT_FILE))) rmSync(file, { force: true });
  for (const folder of made.reverse()) rmSync(folder, { recursive: true, force: true });
}

export class ProjectFolderError extends ConflictError {
  override name = 'ProjectFolderError';
}

/** The stored kind: the one given for a subject project (a person when none is given), none for other types. */
function subjectKindFor(type: ProjectRow['type'], kind: SubjectKind | null | undefined): SubjectKind | null {
  return type === 'subject' ? (kind ?? 'person') : null;
}
