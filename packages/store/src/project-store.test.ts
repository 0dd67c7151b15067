import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppStore } from './app-store';
import { DiskProblemError } from './disk-problems';
import { FolderNotCreatableError } from './folder-to-create';
import { ProjectStore } from './project-store';
import { makeSmallDisk } from './testing/small-disk';

const disk = makeSmallDisk();
afterAll(() => disk.unmount());
const needsDisk = disk.dir === undefined ? ` (skipped: ${disk.reason})` : '';
const settings = { name: 'x', type: 'subject', trigger: 'sks' } as const;

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

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

  it('keeps what a subject project learns (person, character, thing); other types have none', () => {
    const teddy = ProjectStore.create(join(temp(), 'teddy'), { name: 'Teddy', type: 'subject', trigger: 'tdy', subjectKind: 'thing' });
    expect(teddy.settings().subjectKind).toBe('thing');
    expect(teddy.updateSettings({ type: 'style' }).subjectKind).toBeNull();
    // Without a kind a subject is judged as a person, as before the question was asked.
    expect(teddy.updateSettings({ type: 'subject' }).subjectKind).toBe('person');
    expect(teddy.updateSettings({ subjectKind: 'character' }).subjectKind).toBe('character');
    teddy.close();
    const style = ProjectStore.create(join(temp(), 'style'), { name: 'S', type: 'style', trigger: 'flt', subjectKind: 'person' });
    expect(style.settings().subjectKind).toBeNull();
    style.close();
  });

  it('opening a folder that is not a project says so', () => {
    const dir = temp();
    mkdirSync(join(dir, 'x'));
    expect(() => ProjectStore.open(join(dir, 'x'))).toThrow(/not a LoRA Studio project/);
  });
});

describe('project creation is one transaction', () => {
  it('fails at once under /proc instead of looping in mkdir', () => {
    expect(() => ProjectStore.create('/proc/x', settings)).toThrow(FolderNotCreatableError);
    expect(() => ProjectStore.create('/proc/x', settings)).toThrow(/inside \/proc/);
  });

  it('removes every folder and file it made when a later step fails, and the folder can be chosen again', () => {
    const parent = temp();
    const dir = join(parent, 'new', 'deep');
    const stop = () => {
      throw new Error('remembering the project failed');
    };
    expect(() => ProjectStore.create(dir, settings, stop)).toThrow('remembering the project failed');
    expect(readdirSync(parent)).toEqual([]); // "new/" was made by this call, so it went too
    // An existing empty folder stays, emptied of what the call put in it.
    const empty = join(parent, 'empty');
    mkdirSync(empty);
    expect(() => ProjectStore.create(empty, settings, stop)).toThrow('remembering the project failed');
    expect(readdirSync(empty)).toEqual([]);
    ProjectStore.create(empty, settings).close();
    expect(ProjectStore.open(empty).settings().name).toBe('x');
  });

  it('an empty project.sqlite left by an older version: open says what to do, create makes the project over it', () => {
    const dir = temp();
    for (const sub of ['images', 'cache', 'runs']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'project.sqlite'), '');
    expect(() => ProjectStore.open(dir)).toThrow(/holds an empty project\.sqlite left by a project creation that did not finish.*create the project again in this same folder/);
    const created = ProjectStore.create(dir, { name: 'Again', type: 'style', trigger: 'flt' });
    created.close();
    expect(ProjectStore.open(dir).settings().name).toBe('Again');
    // Beside a file of the user's the leftover is not cleared: that folder is not the studio's alone.
    const mixed = temp();
    writeFileSync(join(mixed, 'project.sqlite'), '');
    writeFileSync(join(mixed, 'holiday.jpg'), 'x');
    expect(() => ProjectStore.create(mixed, settings)).toThrow(/already holds/);
    expect(readdirSync(mixed).sort()).toEqual(['holiday.jpg', 'project.sqlite']);
  });

  it('a zero-byte project.sqlite whose write-ahead log holds the project is never taken for an empty one', () => {
    const live = join(temp(), 'live');
    const store = ProjectStore.create(live, settings);
    store.db.pragma('wal_autocheckpoint = 0');
    store.updateSettings({ name: 'Only in the log' });
    const crashed = temp();
    for (const sub of ['images', 'cache', 'runs']) mkdirSync(join(crashed, sub));
    writeFileSync(join(crashed, 'project.sqlite'), '');
    copyFileSync(join(live, 'project.sqlite-wal'), join(crashed, 'project.sqlite-wal'));
    store.close();
    expect(() => ProjectStore.create(crashed, settings)).toThrow(/already holds/);
    expect(readdirSync(crashed)).toContain('project.sqlite-wal');
    try {
      ProjectStore.open(crashed).close();
    } catch (err) {
      expect((err as Error).message).not.toMatch(/holds an empty/);
    }
  });

  it.skipIf(!disk.dir)(`on a full disk leaves nothing behind and names the disk and its free space${needsDisk}`, () => {
    disk.fill();
    try {
      const dir = join(disk.dir!, 'projects', 'me');
      const err = failure(() => ProjectStore.create(dir, settings));
      expect(err).toBeInstanceOf(DiskProblemError);
      expect(err.message).toMatch(/^The disk that holds .* is full \(0\.\d MB free\)\. Free space on it, or choose a folder on another disk\.$/);
      expect(readdirSync(disk.dir!)).toEqual(['filler.bin']);
    } finally {
      disk.makeRoom();
    }
    // With room again the same folder is simply created.
    const dir = join(disk.dir!, 'projects', 'me');
    ProjectStore.create(dir, settings).close();
    expect(existsSync(join(dir, 'project.sqlite'))).toBe(true);
  });

  it.skipIf(!disk.dir)(`on a read-only disk fails before making anything${needsDisk}`, () => {
    disk.remount('ro');
    try {
      const err = failure(() => ProjectStore.create(join(disk.dir!, 'ro-project'), settings));
      expect(err).toBeInstanceOf(DiskProblemError);
      expect(err.message).toMatch(/is read-only; choose a writable folder/);
      expect(existsSync(join(disk.dir!, 'ro-project'))).toBe(false);
    } finally {
      disk.remount('rw');
    }
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
