import type { ResponseFrame } from '@lora-studio/api';
import type { Dispatcher, StudioContext } from '@lora-studio/core';
import { IMPORT_LIMITS } from '@lora-studio/media';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

const MAX_UPLOAD_BYTES = Math.max(IMPORT_LIMITS.maxFileBytes, IMPORT_LIMITS.maxZipBytes);

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * Browser mode's drag-and-drop: one file per POST /upload?dir=…&name=…[&importId=…], raw bytes as the body.
 * The file is staged inside the project's cache (same disk, so nothing crosses devices), imported through the
 * same `images-import` handler the desktop uses, and the staging copy is removed whatever happens.
 */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, ctx: StudioContext, dispatcher: Dispatcher): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const dir = url.searchParams.get('dir');
  const name = basename(url.searchParams.get('name') ?? '');
  const importId = url.searchParams.get('importId') ?? undefined;
  if (!dir || !name) {
    json(res, 400, { kind: 'response', id: 0, ok: false, error: { code: 'invalid-request', message: 'An upload needs ?dir=<project folder>&name=<file name>.' } });
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) {
    json(res, 413, { kind: 'response', id: 0, ok: false, error: { code: 'payload-too-large', message: `${name} is larger than ${MAX_UPLOAD_BYTES} bytes; import it from a folder on the studio machine instead.` } });
    req.resume();
    return;
  }
  let store;
  try {
    store = ctx.project(dir);
  } catch {
    json(res, 404, { kind: 'response', id: 0, ok: false, error: { code: 'not-found', message: `${dir} is not an open LoRA Studio project.` } });
    req.resume();
    return;
  }
  const staging = join(store.dir, 'cache', 'uploads', randomUUID());
  await mkdir(staging, { recursive: true });
  const file = join(staging, name);
  let status = 200;
  let body: ResponseFrame;
  try {
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        done(received > MAX_UPLOAD_BYTES ? new Error('too large') : null, chunk);
      },
    });
    await pipeline(req, limit, createWriteStream(file));
    body = await dispatcher.call(1, 'images-import', { dir: store.dir, paths: [file], ...(importId ? { importId } : {}) });
    if (!body.ok) status = 400;
  } catch (err) {
    status = 400;
    body = { kind: 'response', id: 0, ok: false, error: { code: 'invalid-request', message: `The upload of ${name} did not complete (${err instanceof Error ? err.message : String(err)}). Try again.` } };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  json(res, status, body);
}
