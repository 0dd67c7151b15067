import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

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

/** Resolves `rel` inside `root`, refusing anything that climbs out of it. */
export function safeJoin(root: string, rel: string): string | undefined {
  const full = resolve(join(root, normalize(decodeURIComponent(rel))));
  const base = resolve(root);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

export function sendFile(res: ServerResponse, file: string, headers: Record<string, string> = {}): boolean {
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, { 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', ...headers });
  createReadStream(file).pipe(res);
  return true;
}
