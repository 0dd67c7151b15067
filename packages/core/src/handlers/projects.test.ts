import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSmallDisk } from '@lora-studio/store/testing';
import { createStudio } from '../index';

const disk = makeSmallDisk();
afterAll(() => disk.unmount());
const needsDisk = disk.dir === undefined ? ` (skipped: ${disk.reason})` : '';

function studio() {
  return createStudio({ home: mkdtempSync(join(tmpdir(), 'ls-core-')), mode: 'browser' });
}

async function call(s: ReturnType<typeof studio>, name: string, args: unknown) {
  const res = await s.dispatcher.call(1, name, args);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.result as any;
}

describe('project handlers', () => {
  it('answers a path with a NUL byte, or a project under /proc, as the user\'s input to fix, not an internal error', async () => {
    const s = studio();
    const nul = await s.dispatcher.call(1, 'project-open', { dir: '/tmp/a\0b' });
    expect(nul).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/contains a NUL character/) } });
    const proc = await s.dispatcher.call(2, 'project-create', { name: 'P', type: 'style', trigger: 'pp', dir: '/proc/x' });
    expect(proc).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    s.close();
  });

  it('create (default folder under home), list, open, rename, update', async () => {
    const s = studio();
    const p = await call(s, 'project-create', { name: 'Flat Style!', type: 'style', trigger: 'flt' });
    expect(p.dir).toBe(join(s.ctx.app.home, 'projects', 'flat-style'));
    expect(existsSync(join(p.dir, 'project.sqlite'))).toBe(true);
    expect((await call(s, 'project-list', {}))[0]).toMatchObject({ dir: p.dir, name: 'Flat Style!', available: true });
    const renamed = await call(s, 'project-rename', { dir: p.dir, name: 'Flat' });
    expect(renamed.name).toBe('Flat');
    expect((await call(s, 'project-list', {}))[0].name).toBe('Flat');
    const updated = await call(s, 'project-update', { dir: p.dir, trigger: 'fltx' });
    expect(updated).toMatchObject({ name: 'Flat', trigger: 'fltx', type: 'style' });
    s.close();
    // Persisted across a restart of the services.
    const again = createStudio({ home: s.ctx.app.home, mode: 'browser' });
    expect(await call(again, 'project-open', { dir: p.dir })).toMatchObject({ name: 'Flat', trigger: 'fltx' });
    again.close();
  });

  it('delete forgets the project, and removes its folder only when asked', async () => {
    const s = studio();
    const a = await call(s, 'project-create', { name: 'A', type: 'subject', trigger: 'sks' });
    const b = await call(s, 'project-create', { name: 'B', type: 'object', trigger: 'brd' });
    expect(await call(s, 'project-delete', { dir: a.dir, deleteFiles: false })).toEqual({ deleted: false });
    expect(existsSync(a.dir)).toBe(true);
    expect(await call(s, 'project-delete', { dir: b.dir, deleteFiles: true })).toEqual({ deleted: true });
    expect(existsSync(b.dir)).toBe(false);
    expect(await call(s, 'project-list', {})).toEqual([]);
    s.close();
  });

  it('never deletes a folder that is not a project', async () => {
    const s = studio();
    const dir = mkdtempSync(join(tmpdir(), 'ls-precious-'));
    writeFileSync(join(dir, 'keep.txt'), 'x');
    expect(await call(s, 'project-delete', { dir, deleteFiles: true })).toEqual({ deleted: false });
    expect(existsSync(join(dir, 'keep.txt'))).toBe(true);
    s.close();
  });

  it('a moved project shows as missing and opening it says what to do', async () => {
    const s = studio();
    const p = await call(s, 'project-create', { name: 'Gone', type: 'style', trigger: 'gne' });
    s.ctx.closeProject(p.dir);
    (await import('node:fs')).rmSync(p.dir, { recursive: true });
    expect((await call(s, 'project-list', {}))[0].available).toBe(false);
    await expect(call(s, 'project-open', { dir: p.dir })).rejects.toThrow(/not-found: .*gone/);
    s.close();
  });

  it('create under /proc or with a NUL byte is refused at once as a bad request', async () => {
    const s = studio();
    await expect(call(s, 'project-create', { name: 'P', type: 'style', trigger: 'pp', dir: '/proc/x' })).rejects.toThrow(
      /^invalid-request: \/proc\/x is inside \/proc/,
    );
    await expect(call(s, 'project-create', { name: 'P', type: 'style', trigger: 'pp', dir: '/tmp/a\0b' })).rejects.toThrow(/^invalid-request: .*NUL/);
    s.close();
  });

  it.skipIf(!disk.dir)(`a full disk during create leaves nothing, and is answered as disk-problem naming the disk${needsDisk}`, async () => {
    const s = studio();
    disk.fill();
    try {
      const dir = join(disk.dir!, 'full-project');
      const res = await s.dispatcher.call(1, 'project-create', { name: 'P', type: 'style', trigger: 'pp', dir });
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error.code).toBe('disk-problem');
      expect(res.error.message).toMatch(/is full \(0\.\d MB free\)\. Free space on it/);
      expect(readdirSync(disk.dir!)).toEqual(['filler.bin']);
      expect(await call(s, 'project-list', {})).toEqual([]);
    } finally {
      disk.makeRoom();
      s.close();
    }
  });

  it.skipIf(!disk.dir)(`a SQLite write on a read-only disk names the project folder instead of "internal"${needsDisk}`, async () => {
    const s = studio();
    const p = await call(s, 'project-create', { name: 'P', type: 'style', trigger: 'pp', dir: join(disk.dir!, 'ro-project') });
    s.ctx.closeProject(p.dir); // a remount to read-only waits for no file to be open for writing
    disk.remount('ro');
    try {
      await expect(call(s, 'project-rename', { dir: p.dir, name: 'Q' })).rejects.toThrow(
        `disk-problem: ${p.dir} is read-only; choose a writable folder, or make that disk writable.`,
      );
    } finally {
      disk.remount('rw');
      s.close();
    }
  });
});
