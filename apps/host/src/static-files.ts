import { closeSync, constants, createReadStream, fstatSync, openSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Streams a regular file (the real path from `confinedPathOrUndefined`) and returns true, or returns false without answering when
 * there is no such file. Opened without following a link and without blocking, so a file swapped for a link or a
 * FIFO after the check cannot send the host elsewhere or stall it.
 */
export function sendFile(res: ServerResponse, file: string, headers: Record<string, string> = {}): boolean {
  let fd: number;
  try {
    if (!statSync(file).isFile()) return false;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  let size: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch {
    closeSync(fd);
    return false;
  }
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'content-length': String(size), ...headers });
  // pipeline closes the file when the client goes away mid-download, and a read error only ends this response.
  pipeline(createReadStream('', { fd }), res).catch(() => res.destroy());
  return true;
}
