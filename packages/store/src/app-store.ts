import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ModelRows } from './model-rows';
import { openDatabase } from './open';

export interface RecentProjectRow {
  dir: string;
  name: string;
  type: string | null;
  trigger: string | null;
  openedAt: string;
}

/** Where the studio keeps its own data: LORA_STUDIO_HOME, else the platform's app-data folder. */
export function studioHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LORA_STUDIO_HOME) return env.LORA_STUDIO_HOME;
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'LoRA Studio');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'LoRA Studio');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'lora-studio');
}

/** Recent projects and settings, shared by every window and the CLI. */
export class AppStore {
  readonly home: string;
  /** The base models the user added. */
  readonly models: ModelRows;
  private readonly db: Database.Database;

  constructor(home: string) {
    this.home = home;
    mkdirSync(home, { recursive: true });
    this.db = openDatabase(join(home, 'studio.sqlite'), 'app');
    this.models = new ModelRows(this.db);
  }

  recentProjects(): RecentProjectRow[] {
    return this.db
      .prepare('SELECT dir, name, type, trigger, opened_at AS openedAt FROM recent_projects ORDER BY opened_at DESC')
      .all() as RecentProjectRow[];
  }

  rememberProject(p: { dir: string; name: string; type: string; trigger: string }): void {
    this.db
      .prepare(
        `INSERT INTO recent_projects (dir, name, type, trigger, opened_at) VALUES (@dir, @name, @type, @trigger, @openedAt)
         ON CONFLICT(dir) DO UPDATE SET name = excluded.name, type = excluded.type, trigger = excluded.trigger,
           opened_at = excluded.opened_at`,
      )
      .run({ ...p, openedAt: new Date().toISOString() });
  }

  /** Keeps the entry's place in the list (opened_at) while its details change. */
  updateRecent(p: { dir: string; name: string; type: string; trigger: string }): void {
    this.db.prepare('UPDATE recent_projects SET name = @name, type = @type, trigger = @trigger WHERE dir = @dir').run(p);
  }

  forgetProject(dir: string): void {
    this.db.prepare('DELETE FROM recent_projects WHERE dir = ?').run(dir);
  }

  setting(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
