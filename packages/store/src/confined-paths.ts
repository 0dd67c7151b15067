import { InvalidInputError } from '@lora-studio/api';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, basename, join, relative, resolve, sep } from 'node:path';

/**
 * The one place that decides whether a path a user, a file or a request names stays inside the folder it belongs to
 * (a project, a dataset, an export folder). Symlinks are resolved first, so a link inside the project that points at
 * `/etc/passwd`, or a linked folder that points into `images/`, is judged by where it really leads.
 */
export class PathOutsideError extends InvalidInputError {
  override name = 'PathOutsideError';
  constructor(
    readonly path: string,
    readonly root: string,
  ) {
    super(`${path} is outside ${root} (or a link leads out of it); LoRA Studio only reads and writes inside that folder.`);
  }
}

/** A path a user typed that no file system can hold (a NUL byte), refused before any call that would throw oddly. */
export class UnusablePathError extends InvalidInputError {
  override name = 'UnusablePathError';
  constructor(readonly path: string) {
    super(`${JSON.stringify(path)} is not a usable path (it contains a NUL character). Check the name and try again.`);
  }
}

export function assertUsablePath(path: string): void {
  if (path.includes('\0')) throw new UnusablePathError(path);
}

/** True when `child` is `root` or lies below it (both already absolute and normalised). */
export function isWithin(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * The real path of `path`, following symlinks as far as the path exists: for a file not yet written, the real path of
 * its nearest existing ancestor with the rest appended (so a write target is judged as strictly as a read one).
 */
export function realPathOf(path: string): string {
  assertUsablePath(path);
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    // A dangling link or a folder we may not read: judge the spelled path, which is no looser.
    real = existing;
  }
  return rest.length > 0 ? join(real, ...rest) : real;
}

/**
 * Resolves `path` (absolute, or relative to `root`) and returns its real path when it stays inside the real `root`;
 * throws PathOutsideError otherwise. Use it for every file read, served, written or created on behalf of a request.
 */
export function confinedPath(root: string, path: string): string {
  assertUsablePath(root);
  assertUsablePath(path);
  const realRoot = realPathOf(root);
  const real = realPathOf(isAbsolute(path) ? path : join(root, path));
  if (!isWithin(realRoot, real)) throw new PathOutsideError(path, root);
  return real;
}

/** `confinedPath` without the throw: undefined for anything outside. */
export function confinedPathOrUndefined(root: string, path: string): string | undefined {
  try {
    return confinedPath(root, path);
  } catch (err) {
    if (err instanceof PathOutsideError || err instanceof UnusablePathError) return undefined;
    throw err;
  }
}
