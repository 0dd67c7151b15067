import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRefusedError, readChunksCapped, readFileCapped } from './bounded-read';
import { UnusablePathError } from './confined-paths';

const dir = mkdtempSync(join(tmpdir(), 'ls-bounded-'));

function mkfifo(path: string): boolean {
  try {
    execFileSync('mkfifo', [path]);
    return true;
  } catch {
    return false;
  }
}

describe('readFileCapped', () => {
  it('reads a regular file up to the limit and refuses one over it before reading', () => {
    writeFileSync(join(dir, 'small.txt'), 'hello');
    expect(readFileCapped(join(dir, 'small.txt'), 5).toString()).toBe('hello');
    writeFileSync(join(dir, 'empty.txt'), '');
    expect(readFileCapped(join(dir, 'empty.txt'), 5).length).toBe(0);
    writeFileSync(join(dir, 'big.txt'), Buffer.alloc(20 * 1024));
    expect(() => readFileCapped(join(dir, 'big.txt'), 16 * 1024, 'the caption file')).toThrow(/20 KB, over the 16 KB limit for the caption file/);
  });

  it('refuses folders, devices and pipes instead of reading them (a pipe would otherwise wait forever)', () => {
    expect(() => readFileCapped(dir, 100)).toThrow(/is a folder, not a regular file/);
    expect(() => readFileCapped('/dev/zero', 100)).toThrow(/is a device, not a regular file/);
    const fifo = join(dir, 'pipe');
    if (mkfifo(fifo)) {
      const err = (() => {
        try {
          readFileCapped(fifo, 100);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(FileRefusedError);
      expect((err as FileRefusedError).code).toBe('not-a-file');
      expect((err as Error).message).toMatch(/is a pipe/);
    }
  });

  it('stops a file that holds more than its size says (it grew) at the limit', () => {
    // /proc files report size 0 and then deliver content: the same path as a file that grows while it is read.
    if (!existsSync('/proc/self/status')) return;
    expect(() => readFileCapped('/proc/self/status', 100)).toThrow(/grew past the 1 KB limit/);
    expect(readFileCapped('/proc/self/status', 1024 * 1024).toString()).toMatch(/^Name:/);
  });

  it('refuses a path with a NUL character with its own error', () => {
    expect(() => readFileCapped(`${dir}/a\0b`, 100)).toThrow(UnusablePathError);
  });

  it('reads in pieces with the same checks, and stops a piecewise read at the limit', () => {
    const path = join(dir, 'lines.txt');
    writeFileSync(path, 'x'.repeat(150_000));
    const sizes: number[] = [];
    readChunksCapped(path, 200_000, 'a list', (c) => sizes.push(c.length));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(150_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(() => readChunksCapped(path, 100_000, 'a list', () => {})).toThrow(/147 KB, over the 98 KB limit for a list/);
    expect(() => readChunksCapped('/dev/zero', 100_000, 'a list', () => {})).toThrow(/is a device/);
    if (existsSync('/proc/self/status')) expect(() => readChunksCapped('/proc/self/status', 100, 'a list', () => {})).toThrow(/grew past/);
  });
});
