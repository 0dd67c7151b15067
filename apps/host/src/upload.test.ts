import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from './server';

let host: RunningHost;
let base: string;
let projectDir: string;
const auth = () => ({ authorization: `Bearer ${host.token}` });

beforeAll(async () => {
  host = await startHost({ home: mkdtempSync(join(tmpdir(), 'ls-home-')), studioDist: mkdtempSync(join(tmpdir(), 'ls-dist-')), port: 0 });
  base = `http://127.0.0.1:${host.port}`;
  projectDir = join(mkdtempSync(join(tmpdir(), 'ls-up-')), 'p');
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
  await new Promise((r) => ws.once('open', r));
  await new Promise((r) => {
    ws.once('message', r);
    ws.send(JSON.stringify({ kind: 'request', id: 1, name: 'project-create', args: { name: 'Up', dir: projectDir, type: 'style', trigger: 'upx' } }));
  });
  ws.close();
});
afterAll(() => host.close());

async function photo(): Promise<Buffer> {
  const noise = Buffer.alloc(640 * 640 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) % 251;
  return sharp(noise, { raw: { width: 640, height: 640, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

describe('browser-mode upload and media', () => {
  it('imports an uploaded image, serves its thumbnail, and leaves no staging files', async () => {
    const up = await fetch(`${base}/upload?dir=${encodeURIComponent(projectDir)}&name=cat.jpg`, { method: 'POST', headers: auth(), body: await photo() });
    const body = (await up.json()) as any;
    expect(body.ok, JSON.stringify(body)).toBe(true);
    expect(body.result.imported).toBe(1);
    expect(readdirSync(join(projectDir, 'cache', 'uploads'))).toEqual([]);
    const thumbs = readdirSync(join(projectDir, 'cache', 'thumbs'));
    expect(thumbs.length).toBeGreaterThan(0);
    const media = await fetch(`${base}/media?project=${encodeURIComponent(projectDir)}&path=cache/thumbs/${thumbs[0]}`, { headers: auth() });
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
  });

  it('rejects a non-image upload with a reason and keeps serving', async () => {
    const up = await fetch(`${base}/upload?dir=${encodeURIComponent(projectDir)}&name=notes.jpg`, { method: 'POST', headers: auth(), body: 'hello' });
    const body = (await up.json()) as any;
    expect(body.ok).toBe(true);
    expect(body.result.rejected).toBe(1);
    expect(body.result.files[0].reason.length).toBeGreaterThan(5);
  });

  it('refuses uploads and media without the token, and media outside the project', async () => {
    expect((await fetch(`${base}/upload?dir=${encodeURIComponent(projectDir)}&name=a.jpg`, { method: 'POST', body: 'x' })).status).toBe(401);
    expect((await fetch(`${base}/media?project=${encodeURIComponent(projectDir)}&path=project.sqlite`)).status).toBe(401);
    const escape = await fetch(`${base}/media?project=${encodeURIComponent(projectDir)}&path=../../../../etc/passwd`, { headers: auth() });
    expect(escape.status).toBe(404);
    const unknown = await fetch(`${base}/media?project=/etc&path=passwd`, { headers: auth() });
    expect(unknown.status).toBe(404);
    expect(existsSync(projectDir)).toBe(true);
  });
});
