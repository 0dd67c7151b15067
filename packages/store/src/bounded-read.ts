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
 * Reads a whole regular file of at most `limit` bytes, checked before a byte is read; `what` names the file in the
 * message ("the image", "the caption file"). Opened non-blocking, so a FIFO put where a file was expected is refused
 * instead of waiting forever for a writer; the type and size come from the open descriptor, so nothing can be swapped
 * in between the check and the read; and the read stops at `limit` + 1 bytes, so a file that grows while it is read
 * (a log, /proc, a download in progress) is still refused instead of filling memory.
 */
export function readFileCapped(path: string, limit: number, what = 'the file'): Buffer {
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
    // Room for one byte more than the file holds: reading it proves the file grew since fstat.
    let buf = Buffer.allocUnsafe(Math.min(limit, info.size) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > limit) {
          throw new FileRefusedError(path, 'too-large', `${path} grew past the ${megabytes(limit)} limit for ${what} while it was being read; it was not read.`);
        }
        const next = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(buf.length * 2, 64 * 1024)));
        buf.copy(next, 0, 0, length);
        buf = next;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) return buf.subarray(0, length);
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}
