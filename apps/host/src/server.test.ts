import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ResponseFrame } from '@lora-studio/api';
import { startHost, type RunningHost } from './server';

let host: RunningHost;
let base: string;

beforeAll(async () => {
  const dist = mkdtempSync(join(tmpdir(), 'ls-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>LoRA Studio</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  host = await startHost({ home: mkdtempSync(join(tmpdir(), 'ls-home-')), studioDist: dist, port: 0 });
  base = `http://127.0.0.1:${host.port}`;
});
afterAll(() => host.close());

function connect(token?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api${token ? `?token=${token}` : ''}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function ask(ws: WebSocket, frame: unknown): Promise<ResponseFrame> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as ResponseFrame));
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

describe('host access token', () => {
  it('refuses HTTP requests without the token, serves them with it', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/assets/app.js`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    const ok = await fetch(`${base}/?token=${host.token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('LoRA Studio');
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = ok.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect((await fetch(`${base}/assets/app.js`, { headers: { cookie } })).status).toBe(200);
  });

  it('refuses a WebSocket without the token, accepts one with it', async () => {
    await expect(connect()).rejects.toThrow(/401/);
    await expect(connect('nope')).rejects.toThrow(/401/);
    const ws = await connect(host.token);
    const res = await ask(ws, { kind: 'request', id: 1, name: 'project-list', args: {} });
    expect(res).toEqual({ kind: 'response', id: 1, ok: true, result: [] });
    ws.close();
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await fetch(`${base}/..%2f..%2fetc%2fpasswd?token=${host.token}`);
    expect(res.status).not.toBe(200);
  });
});

describe('contract at the boundary', () => {
  it('answers bad requests with typed errors and keeps serving', async () => {
    const ws = await connect(host.token);
    const cases: [unknown, string][] = [
      ['not json', 'invalid-request'],
      [{ kind: 'request', id: 2, name: 'project-frobnicate', args: {} }, 'unknown-handler'],
      [{ kind: 'request', id: 3, name: 'project-create', args: { name: 42, type: 'style', trigger: 'flt' } }, 'invalid-request'],
      [{ kind: 'request', id: 4, name: 'project-create', args: { name: 'x', type: 'portrait', trigger: 'flt' } }, 'invalid-request'],
      [{ kind: 'request', id: 5, name: 'project-create', args: { name: 'x', type: 'style', trigger: 'two words' } }, 'invalid-request'],
      [{ kind: 'request', id: 6, name: 'project-open', args: { dir: '/no/such/project' } }, 'not-found'],
      [{ kind: 'request', id: 7, name: 'project-list', args: { extra: true } }, 'invalid-request'],
      [{ kind: 'request', id: 8, name: 'project-list', args: {}, pad: 'x'.repeat(2 * 1024 * 1024) }, 'payload-too-large'],
    ];
    for (const [frame, code] of cases) {
      const res = await ask(ws, frame);
      expect(res.ok, JSON.stringify(res)).toBe(false);
      if (!res.ok) {
        expect(res.error.code).toBe(code);
        expect(res.error.message.length).toBeGreaterThan(10);
      }
    }
    const res = await ask(ws, { kind: 'request', id: 9, name: 'app-info', args: {} });
    expect(res.ok).toBe(true);
    ws.close();
  });

  it('runs project handlers end to end and pushes change events', async () => {
    const ws = await connect(host.token);
    const events: unknown[] = [];
    const created = await new Promise<ResponseFrame>((resolve) => {
      ws.on('message', (data) => {
        const f = JSON.parse(String(data));
        if (f.kind === 'event') events.push(f);
        else resolve(f);
      });
      ws.send(JSON.stringify({ kind: 'request', id: 10, name: 'project-create', args: { name: 'Flat style', type: 'style', trigger: 'flt' } }));
    });
    expect(created.ok).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'event', name: 'projects-changed' }));
    ws.close();
  });
});
