// A real HTTP server speaking the part of the Hugging Face hub API that @huggingface/hub uses to download a model
// (model info, recursive tree, resolve with Range and ETag), serving a folder as one repository. Tests point
// HF_ENDPOINT at it; it can refuse anonymous requests (a gated repo) and cut a file's connection part-way.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export const TEST_COMMIT = '0123456789abcdef0123456789abcdef01234567';

export interface HubRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

export interface TestHub {
  url: string;
  requests: HubRequest[];
  close(): Promise<void>;
}

interface ServedFile {
  path: string;
  bytes: Buffer;
  lfs: boolean;
  etag: string;
}

function filesOf(root: string, dir = root): ServedFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesOf(root, path);
    const bytes = readFileSync(path);
    const lfs = entry.name.endsWith('.safetensors');
    const etag = lfs ? createHash('sha256').update(bytes).digest('hex') : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    return [{ path: relative(root, path).split('\\').join('/'), bytes, lfs, etag }];
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Serves `folder` as the model repository `repo` at TEST_COMMIT. `gated`: resolve needs a Bearer token.
 * `cutAfter`: file path → bytes sent before the connection is destroyed, once per file.
 */
export async function startTestHub(options: { repo: string; folder: string; gated?: boolean; cutAfter?: Record<string, number> }): Promise<TestHub> {
  const files = filesOf(options.folder);
  const cuts = new Map(Object.entries(options.cutAfter ?? {}));
  const requests: HubRequest[] = [];
  const infoPath = `/api/models/${options.repo}/revision/`;
  const treePath = `/api/models/${options.repo}/tree/`;
  const resolvePath = `/${options.repo}/resolve/`;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? '', path, range: req.headers.range ?? null, authorization: req.headers.authorization ?? null });
    if (path.startsWith(infoPath)) {
      sendJson(res, 200, { _id: 'test', id: options.repo, sha: TEST_COMMIT, private: false, gated: options.gated ? 'manual' : false, downloads: 0, likes: 0, lastModified: '2026-01-15T00:00:00.000Z' });
      return;
    }
    if (path.startsWith(treePath)) {
      const dirs = [...new Set(files.flatMap((f) => f.path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))];
      sendJson(res, 200, [
        ...dirs.map((d) => ({ type: 'directory', path: d, size: 0, oid: '0'.repeat(40) })),
        ...files.map((f) => ({
          type: 'file', path: f.path, size: f.bytes.length,
          oid: createHash('sha1').update(`blob ${f.bytes.length}\0`).update(f.bytes).digest('hex'),
          ...(f.lfs ? { lfs: { oid: f.etag, size: f.bytes.length, pointerSize: 134 } } : {}),
        })),
      ]);
      return;
    }
    if (path.startsWith(resolvePath)) {
      if (options.gated && !req.headers.authorization?.startsWith('Bearer hf_')) {
        sendJson(res, 401, { error: `Access to model ${options.repo} is restricted. You must have access to it and be authenticated to access it. Please log in.` }, { 'X-Error-Code': 'GatedRepo' });
        return;
      }
      const filePath = path.slice(resolvePath.length).split('/').slice(1).join('/');
      const file = files.find((f) => f.path === filePath);
      if (!file) {
        sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
        return;
      }
      const size = file.bytes.length;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      const body = file.bytes.subarray(start, end + 1);
      const headers = { ETag: `"${file.etag}"`, 'Content-Length': String(body.length), 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ...(file.lfs ? { 'X-Linked-ETag': `"${file.etag}"`, 'X-Linked-Size': String(size) } : {}) };
      if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` });
      else res.writeHead(200, headers);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const cut = cuts.get(file.path);
      if (cut !== undefined && body.length > cut) {
        cuts.delete(file.path);
        // Destroyed a moment after the bytes are flushed: a stream that errors drops chunks its reader has not taken
        // yet, and the test wants those bytes to have arrived before the cut.
        res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 100));
        return;
      }
      res.end(body);
      return;
    }
    sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Bytes of a served file, for tests that compare what arrived. */
export function fileSize(folder: string, path: string): number {
  return statSync(join(folder, path)).size;
}
