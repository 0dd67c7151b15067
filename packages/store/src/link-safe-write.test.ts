import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LinkInTheWayError, replaceFile, replaceFileByCopy } from './link-safe-write';

describe('link-safe writes', () => {
  it('replaces a plain file and creates a new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-safe-'));
    writeFileSync(join(dir, 'a.txt'), 'old');
    replaceFile(join(dir, 'a.txt'), 'new');
    replaceFile(join(dir, 'b.txt'), 'b');
    replaceFileByCopy(join(dir, 'b.txt'), join(dir, 'a.txt'));
    expect([readFileSync(join(dir, 'a.txt'), 'utf8'), readFileSync(join(dir, 'b.txt'), 'utf8')]).toEqual(['b', 'b']);
  });

  it('never writes through a link or over a folder of the same name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-safe-'));
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me');
    mkdirSync(join(dir, 'out'));
    symlinkSync(victim, join(dir, 'out', 'a.txt'));
    mkdirSync(join(dir, 'out', 'folder.txt'));
    expect(() => replaceFile(join(dir, 'out', 'a.txt'), 'overwritten')).toThrow(LinkInTheWayError);
    expect(() => replaceFileByCopy(join(dir, 'out', 'folder.txt'), join(dir, 'out', 'a.txt'))).toThrow(LinkInTheWayError);
    expect(() => replaceFile(join(dir, 'out', 'folder.txt'), 'x')).toThrow(/not a plain file/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });
});
