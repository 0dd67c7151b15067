// Paths that arrive through the queue (a sample's or checkpoint's place in the run folder, an image's name) come from
// another machine: they are only ever relative, plain names, and are resolved through the store's one confinement rule.
import { confinedPath } from '@lora-studio/store';

export class UntrustedPathError extends Error {
  override name = 'UntrustedPathError';
}

/**
 * Throws unless `path` is a relative path of plain names: no leading slash or drive, no `..` or `.` segment, no
 * backslash, no NUL, nothing empty, at most 8 segments of 128 characters. Returns it unchanged.
 */
export function checkJobPath(path: unknown, what: string): string {
  const refuse = (why: string): never => {
    throw new UntrustedPathError(`The queue sent ${what} ${JSON.stringify(path)}, which ${why}; it was not used.`);
  };
  if (typeof path !== 'string' || path.length === 0) return refuse('is not a name');
  if (path.length > 512) return refuse('is too long');
  if (path.includes('\0')) return refuse('contains a NUL character');
  if (path.includes('\\')) return refuse('contains a backslash');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return refuse('is an absolute path');
  const parts = path.split('/');
  if (parts.length > 8) return refuse('is nested too deeply');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') return refuse('has an empty, "." or ".." part');
    if (part.length > 128) return refuse('has a part over 128 characters');
  }
  return path;
}

/** A checked job path as a real path inside `root` (links that lead out are refused as well). */
export function jobPathIn(root: string, path: unknown, what: string): string {
  return confinedPath(root, checkJobPath(path, what));
}
