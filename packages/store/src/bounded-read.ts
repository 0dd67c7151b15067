import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { assertUsablePath } from './confined-paths';

/**
 * A file that was not read, with the reason in words the user can act on (too large, not a regular file, growing).
 * `code` lets callers word their own summary without parsing the message.
 */
export class FileRefusedError extends Error {
  override name = 'FileRefusedError';
  constructor(
    readonly path: string,
    readonly code: 'not-a-file' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

const megabytes = (n: number) => (n >= 2 ** 20 ? `${Math.round(n / 2 ** 20)} MB` : `${Math.ceil(n / 1024)} KB`);

/**
 * Opens `path` for reading when it is a regular file of at most `limit` bytes, and passes the descriptor to `use`.
 * Opened non-blocking, so a FIFO put where a file was expected is refused instead of waiting forever for a writer;
 * the type and size come from the open descriptor, so nothing can be swapped in between the check and the read.
 */
function withCheckedFile<T>(path: string, limit: number, what: string, use: (fd: number, size: number) => T): T {
  assertUsablePath(path);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) {
      const kind = info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a pipe' : info.isSocket() ? 'a socket' : 'a device';
      throw new FileRefusedError(path, 'not-a-file', `${path} is ${kind}, not a regular file, so ${what} was not read; choose a file.`);
    }
    if (info.size > limit) {
      throw new FileRefusedError(path, 'too-large', `${path} is ${megabytes(info.size)}, over the ${megabytes(limit)} limit for ${what}; it was not read.`);
    }
    return use(fd, info.size);
  } finally {
    closeSync(fd);
  }
}

const grewPast = (path: string, limit: number, what: string) =>
  new FileRefusedError(path, 'too-large', `${path} grew past the ${megabytes(limit)} limit for ${what} while it was being read; it was not read.`);

/**
 * Reads a whole regular file of at most `limit` bytes, checked before a byte is read; `what` names the file in the
 * message ("an image", "a caption"). The read stops at `limit` + 1 bytes, so a file that grows while it is read (a
 * log, /proc, a download in progress) is still refused instead of filling memory.
 */
export function readFileCapped(path: string, limit: number, what = 'the file'): Buffer {
  return withCheckedFile(path, limit, what, (fd, size) => {
    // Room for one byte more than the file holds: reading it proves the file grew since fstat.
    let buf = Buffer.allocUnsafe(Math.min(limit, size) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > limit) throw grewPast(path, limit, what);
        const next = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(buf.length * 2, 64 * 1024)));
        buf.copy(next, 0, 0, length);
        buf = next;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) return buf.subarray(0, length);
      length += n;
    }
  });
}

/**
 * The same checks as readFileCapped, for files read piece by piece (JSONL): `onChunk` gets each piece (at most
 * 64 KB, valid only during the call), and the read stops with a refusal once more than `limit` bytes have come.
 */
export function readChunksCapped(path: string, limit: number, what: string, onChunk: (chunk: Buffer) => void): void {
  withCheckedFile(path, limit, what, (fd) => {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return;
      total += n;
      if (total > limit) throw grewPast(path, limit, what);
      onChunk(buf.subarray(0, n));
    }
  });
}
