import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnusablePathError } from './confined-paths';
import { DiskProblemError } from './disk-problems';
import { assertFolderCanBeMade, FolderNotCreatableError } from './folder-to-create';
import { makeSmallDisk } from './testing/small-disk';

const disk = makeSmallDisk();
afterAll(() => disk.unmount());
const isRoot = process.getuid?.() === 0;

describe('a folder about to be made', () => {
  it('is refused inside /proc, /sys and /dev before any mkdir (a recursive mkdir under /proc never returns)', () => {
    for (const dir of ['/proc/x', '/proc/self/x/y', '/sys/lora', '/dev/shm-not/lora']) {
      expect(() => assertFolderCanBeMade(dir)).toThrow(FolderNotCreatableError);
      expect(existsSync(dir)).toBe(false);
    }
    expect(() => assertFolderCanBeMade('/proc/x')).toThrow('/proc/x is inside /proc, a folder the operating system makes up; choose a folder');
  });

  it('is refused inside a file, and with a NUL byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-mk-'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => assertFolderCanBeMade(join(dir, 'notes.txt', 'project'))).toThrow(`${join(dir, 'notes.txt')} is a file`);
    expect(() => assertFolderCanBeMade(join(dir, 'a\0b'))).toThrow(UnusablePathError);
  });

  it('is accepted below a writable folder and returns the nearest existing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-mk-'));
    expect(assertFolderCanBeMade(join(dir, 'a', 'b'))).toBe(dir);
    mkdirSync(join(dir, 'a'));
    expect(assertFolderCanBeMade(join(dir, 'a'))).toBe(join(dir, 'a'));
  });

  it.skipIf(isRoot)('is refused below a folder this user may not write (skipped as root: chmod does not stop root)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-mk-'));
    chmodSync(dir, 0o555);
    try {
      expect(() => assertFolderCanBeMade(join(dir, 'p'))).toThrow(/not allowed to write to .* \(permission denied\)/);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it.skipIf(!disk.dir)(`is refused on a read-only disk${disk.dir ? '' : ` (skipped: ${disk.reason})`}`, () => {
    disk.remount('ro');
    try {
      const err = (() => {
        try {
          assertFolderCanBeMade(join(disk.dir!, 'p', 'q'));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(DiskProblemError);
      expect((err as Error).message).toBe(`${disk.dir} is read-only; choose a writable folder, or make that disk writable.`);
    } finally {
      disk.remount('rw');
    }
  });
});
