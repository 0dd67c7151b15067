import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppStore } from './app-store';
import { ProjectStore } from './project-store';

const temp = () => mkdtempSync(join(tmpdir(), 'ls-store-'));

describe('project store', () => {
  it('creates a project folder with its database and subfolders, and reopens it', () => {
    const dir = join(temp(), 'my-lora');
    const created = ProjectStore.create(dir, { name: 'My LoRA', type: 'style', trigger: 'flt' });
    expect(created.settings()).toMatchObject({ name: 'My LoRA', type: 'style', trigger: 'flt' });
    expect(created.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(created.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(created.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    created.close();
    const reopened = ProjectStore.open(dir);
    expect(reopened.settings().name).toBe('My LoRA');
    reopened.updateSettings({ name: 'Renamed', trigger: 'sks' });
    reopened.close();
    expect(ProjectStore.open(dir).settings()).toMatchObject({ name: 'Renamed', trigger: 'sks', type: 'style' });
  });

  it('refuses a non-empty folder and a folder that is already a project', () => {
    const dir = temp();
    writeFileSync(join(dir, 'holiday.jpg'), 'x');
    expect(() => ProjectStore.create(dir, { name: 'x', type: 'subject', trigger: 'sks' })).toThrow(/not empty/);
    const p = join(temp(), 'p');
    ProjectStore.create(p, { name: 'x', type: 'subject', trigger: 'sks' }).close();
    expect(() => ProjectStore.create(p, { name: 'y', type: 'subject', trigger: 'sks' })).toThrow(/already holds/);
  });

  it('opening a folder that is not a project says so', () => {
    const dir = temp();
    mkdirSync(join(dir, 'x'));
    expect(() => ProjectStore.open(join(dir, 'x'))).toThrow(/not a LoRA Studio project/);
  });
});

describe('app store', () => {
  it('remembers recent projects newest first, updates and forgets them', async () => {
    const home = temp();
    const app = new AppStore(home);
    app.rememberProject({ dir: '/a', name: 'A', type: 'style', trigger: 'x1' });
    await new Promise((r) => setTimeout(r, 5));
    app.rememberProject({ dir: '/b', name: 'B', type: 'subject', trigger: 'x2' });
    expect(app.recentProjects().map((p) => p.dir)).toEqual(['/b', '/a']);
    app.updateRecent({ dir: '/a', name: 'A2', type: 'style', trigger: 'x1' });
    expect(app.recentProjects()[1]?.name).toBe('A2');
    app.forgetProject('/b');
    expect(app.recentProjects().map((p) => p.dir)).toEqual(['/a']);
    app.setSetting('theme', 'dark');
    app.close();
    const again = new AppStore(home);
    expect(again.setting('theme')).toBe('dark');
    expect(again.recentProjects()).toHaveLength(1);
  });
});
