import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskProblemError, diskProblemOf, existingFolderOf } from './disk-problems';
import { makeSmallDisk } from './testing/small-disk';

const disk = makeSmallDisk();
afterAll(() => disk.unmount());
const needsDisk = disk.dir === undefined ? ` (skipped: ${disk.reason})` : '';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('disk problems', () => {
  it('leaves errors that are not about the disk alone', () => {
    expect(diskProblemOf(new Error('boom'))).toBeUndefined();
    expect(diskProblemOf(caught(() => mkdirSync(join(tmpdir(), 'no-such-parent-ls', 'x'))))).toBeUndefined(); // ENOENT
    expect(diskProblemOf('ENOSPC')).toBeUndefined();
  });

  it('finds the nearest existing folder of a path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-disk-'));
    expect(existingFolderOf(join(dir, 'a', 'b', 'c.txt'))).toBe(dir);
    writeFileSync(join(dir, 'f'), 'x');
    expect(existingFolderOf(join(dir, 'f'))).toBe(dir);
  });

  it.skipIf(!disk.dir)(`a full disk, from Node and from SQLite, names the folder and its free space${needsDisk}`, () => {
    const dir = join(disk.dir!, 'full');
    mkdirSync(dir);
    disk.fill();
    try {
      // A failed write(2) carries no path: the caller names the folder it was writing in.
      const fromNode = diskProblemOf(caught(() => writeFileSync(join(dir, 'big.bin'), Buffer.alloc(200_000))), dir);
      expect(fromNode).toBeInstanceOf(DiskProblemError);
      expect(fromNode).toMatchObject({ kind: 'full', folder: dir, systemCode: 'ENOSPC' });
      expect(fromNode!.message).toMatch(new RegExp(`The disk that holds ${dir} is full \\(0\\.\\d MB free\\)\\. Free space on it`));
      expect(fromNode!.message).not.toMatch(/try again/i);

      const fromSqlite = diskProblemOf(
        caught(() => {
          const db = new Database(join(dir, 'x.sqlite'));
          try {
            db.exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('${'x'.repeat(100_000)}')`);
          } finally {
            db.close();
          }
        }),
        dir,
      );
      expect(fromSqlite).toMatchObject({ kind: 'full', folder: dir });
      expect(fromSqlite!.systemCode).toMatch(/^SQLITE_(FULL|IOERR)/);
    } finally {
      disk.makeRoom();
    }
  });

  it.skipIf(!disk.dir)(`a read-only disk says so, also when SQLite only says it cannot open the file${needsDisk}`, () => {
    const dir = join(disk.dir!, 'ro');
    mkdirSync(dir);
    disk.remount('ro');
    try {
      const fromNode = diskProblemOf(caught(() => writeFileSync(join(dir, 'a.txt'), 'x')));
      expect(fromNode).toMatchObject({ kind: 'read-only', folder: dir });
      expect(fromNode!.message).toBe(`${dir} is read-only; choose a writable folder, or make that disk writable.`);
      const fromSqlite = diskProblemOf(caught(() => new Database(join(dir, 'new.sqlite'))), dir);
      expect(fromSqlite).toMatchObject({ kind: 'read-only', folder: dir });
      expect(fromSqlite!.systemCode).toMatch(/^SQLITE_(CANTOPEN|READONLY)/);
    } finally {
      disk.remount('rw');
    }
  });
});
