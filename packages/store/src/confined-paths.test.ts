import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedPath, confinedPathOrUndefined, PathOutsideError, UnusablePathError } from './confined-paths';

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'confined-'));
  const root = join(base, 'project');
  mkdirSync(join(root, 'images'), { recursive: true });
  writeFileSync(join(root, 'images', 'a.png'), 'x');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  return { base, root };
}

describe('confinedPath', () => {
  it('accepts files inside the folder, relative or absolute, existing or not yet written', () => {
    const { root } = layout();
    expect(confinedPath(root, 'images/a.png')).toMatch(/project\/images\/a\.png$/);
    expect(confinedPath(root, join(root, 'images', 'new', 'b.png'))).toMatch(/project\/images\/new\/b\.png$/);
    expect(confinedPath(root, '.')).toMatch(/project$/);
  });

  it('refuses climbing out, absolute paths elsewhere and prefix look-alikes', () => {
    const { base, root } = layout();
    mkdirSync(`${root}-other`);
    expect(() => confinedPath(root, '../secret.txt')).toThrow(PathOutsideError);
    expect(() => confinedPath(root, join(base, 'secret.txt'))).toThrow(PathOutsideError);
    expect(() => confinedPath(root, `${root}-other/x`)).toThrow(PathOutsideError);
    expect(confinedPathOrUndefined(root, '/etc/passwd')).toBeUndefined();
  });

  it('judges symlinks by where they lead: a file link, a folder link and a link under a new file name', () => {
    const { base, root } = layout();
    symlinkSync(join(base, 'secret.txt'), join(root, 'images', 'link.png'));
    symlinkSync(base, join(root, 'out'));
    symlinkSync(join(root, 'images'), join(root, 'into-images'));
    expect(() => confinedPath(root, 'images/link.png')).toThrow(PathOutsideError);
    expect(() => confinedPath(root, 'out/secret.txt')).toThrow(PathOutsideError);
    expect(() => confinedPath(root, 'out/not-yet/new.txt')).toThrow(PathOutsideError);
    // A link that stays inside is fine, and its real target is what the caller gets.
    expect(confinedPath(root, 'into-images/a.png')).toBe(confinedPath(root, 'images/a.png'));
  });

  it('accepts a root that is itself reached through a link', () => {
    const { base, root } = layout();
    symlinkSync(root, join(base, 'alias'));
    expect(confinedPath(join(base, 'alias'), 'images/a.png')).toBe(confinedPath(root, 'images/a.png'));
  });

  it('refuses a NUL byte with its own error instead of an internal one', () => {
    const { root } = layout();
    expect(() => confinedPath(root, 'images/a\0.png')).toThrow(UnusablePathError);
  });
});
