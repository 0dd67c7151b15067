import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startHost, type RunningHost } from './server';

/**
 * Issue #13, cases 1–4 and the /media half of 8, replayed over real sockets against a real host: hand-written HTTP
 * requests and hand-made WebSocket frames on `node:net`. After every case the host must still answer /healthz.
 */

const IN_FLIGHT = 4;
const SECRET = 'SECRET-OUTSIDE-THE-PROJECT';
let host: RunningHost;
let projectDir: string;
let own: string;
let otherPort: string;
let keptOpen: WebSocket;
let outsideFile: string;

beforeAll(async () => {
  const dist = mkdtempSync(join(tmpdir(), 'ls-sec-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>LoRA Studio</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  const outside = mkdtempSync(join(tmpdir(), 'ls-sec-outside-'));
  outsideFile = join(outside, 'secret.jpg');
  writeFileSync(outsideFile, SECRET);
  symlinkSync(join(outside, 'secret.jpg'), join(dist, 'assets', 'leak.js'));

  host = await startHost({ home: mkdtempSync(join(tmpdir(), 'ls-sec-home-')), studioDist: dist, port: 0, maxRequestsInFlight: IN_FLIGHT });
  own = `http://127.0.0.1:${host.port}`;
  otherPort = `http://127.0.0.1:${host.port === 65535 ? 1 : host.port + 1}`;

  keptOpen = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
  await new Promise((r) => keptOpen.once('open', r));
  projectDir = join(mkdtempSync(join(tmpdir(), 'ls-sec-project-')), 'p');
  const created = await askKeptOpen({ kind: 'request', id: 1, name: 'project-create', args: { name: 'Sec', dir: projectDir, type: 'style', trigger: 'sec' } });
  expect(created.ok, JSON.stringify(created)).toBe(true);
  writeFileSync(join(projectDir, 'inside.jpg'), 'INSIDE');
  symlinkSync(join(projectDir, 'inside.jpg'), join(projectDir, 'inner-link.jpg'));
  symlinkSync(join(outside, 'secret.jpg'), join(projectDir, 'leak.jpg'));
  symlinkSync(outside, join(projectDir, 'linked-folder'));
});

afterAll(async () => {
  keptOpen?.close();
  await host?.close();
});

// The promise of every case: whatever came before, the host still serves, and the long-lived socket still answers.
afterEach(async () => {
  const health = await fetch(`${own}/healthz`, { headers: { authorization: `Bearer ${host.token}` } });
  expect(health.status).toBe(200);
});

function askKeptOpen(frame: { id: number } & Record<string, unknown>): Promise<{ ok: boolean; id: number }> {
  return new Promise((resolve) => {
    const onMessage = (data: unknown) => {
      const reply = JSON.parse(String(data)) as { kind: string; ok: boolean; id: number };
      if (reply.kind !== 'response' || reply.id !== frame.id) return;
      keptOpen.off('message', onMessage);
      resolve(reply);
    };
    keptOpen.on('message', onMessage);
    keptOpen.send(JSON.stringify(frame));
  });
}

// ---------- raw HTTP ----------

interface RawReply {
  status: number | undefined;
  body: string;
}

function headerLines(headers: Record<string, string | undefined>): string {
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
}

/** Sends one hand-written request (with `Connection: close`) and reads until the host closes the connection. */
function rawRequest(text: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(all)?.[1];
      resolve({ status: status ? Number(status) : undefined, body: all.slice(all.indexOf('\r\n\r\n') + 4) });
    });
    // Not end(): a client that half-closes has given up on the answer, and Node drops a response still streaming.
    socket.write(text);
  });
}

function get(target: string, headers: Record<string, string | undefined> = {}, method = 'GET'): Promise<RawReply> {
  const all = { host: `127.0.0.1:${host.port}`, connection: 'close', ...headers };
  return rawRequest(`${method} ${target} HTTP/1.1\r\n${headerLines(all)}\r\n`);
}

const bearer = () => ({ authorization: `Bearer ${host.token}` });
const cookie = () => ({ cookie: `lora_studio_token=${host.token}` });

// ---------- raw WebSocket ----------

interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  masked?: boolean;
  rsv?: number;
  /** A length to announce instead of the payload's own (the payload is then not sent in full). */
  declaredLength?: bigint;
}

/** A client frame as RFC 6455 lays it out, wrong in exactly the way the spec asks for. */
function frame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? Buffer.alloc(0);
  const length = spec.declaredLength ?? BigInt(payload.length);
  const masked = spec.masked ?? true;
  const first = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode;
  let head: Buffer;
  if (length < 126n) head = Buffer.from([first, Number(length)]);
  else if (length < 65536n) {
    head = Buffer.alloc(4);
    head[0] = first;
    head[1] = 126;
    head.writeUInt16BE(Number(length), 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = 127;
    head.writeBigUInt64BE(length, 2);
  }
  if (masked) head[1]! |= 0x80;
  if (!masked) return Buffer.concat([head, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([head, key, body]);
}

const text = (s: string | Buffer) => frame({ opcode: 0x1, payload: Buffer.isBuffer(s) ? s : Buffer.from(s) });

interface RawSocket {
  status: number;
  /** Text frames the host sent, in order. */
  texts: string[];
  send(bytes: Buffer): void;
  /** Resolves when `count` text frames have arrived. */
  waitForTexts(count: number): Promise<string[]>;
  /** Resolves with the host's close code (undefined if it hung up without one) once the connection is gone. */
  closed: Promise<number | undefined>;
  end(): void;
}

/** Opens /api by hand: an upgrade request with the given headers, then a frame reader for what the host sends. */
function rawUpgrade(target: string, headers: Record<string, string | undefined> = {}): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(host.port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let status: number | undefined;
    let closeCode: number | undefined;
    const texts: string[] = [];
    const waiters: (() => void)[] = [];
    let markClosed: (code: number | undefined) => void = () => undefined;
    const closed = new Promise<number | undefined>((r) => (markClosed = r));
    const raw: RawSocket = {
      status: 0,
      texts,
      send: (bytes) => socket.write(bytes),
      waitForTexts: (count) =>
        new Promise((r) => {
          const check = () => (texts.length >= count ? (r(texts), true) : false);
          if (!check()) waiters.push(() => void check());
        }),
      closed,
      end: () => socket.end(),
    };
    const readFrames = () => {
      while (buffer.length >= 2) {
        const opcode = buffer[0]! & 0x0f;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        if (opcode === 0x1) texts.push(payload.toString('utf8'));
        if (opcode === 0x8) {
          closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
          socket.end(); // our half of the closing handshake
        }
        for (const w of waiters) w();
      }
    };
    socket.on('error', () => undefined); // a reset after the close is an ending like any other
    socket.on('close', () => {
      if (status === undefined) reject(new Error('The host hung up without answering the upgrade.'));
      markClosed(closeCode);
    });
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (status === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer.subarray(0, end).toString('latin1'))?.[1]);
        buffer = buffer.subarray(end + 4);
        raw.status = status;
        resolve(raw);
      }
      if (status === 101) readFrames();
    });
    const all = {
      host: `127.0.0.1:${host.port}`,
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...headers,
    };
    socket.write(`GET ${target} HTTP/1.1\r\n${headerLines(all)}\r\n`);
  });
}

/** An upgrade that must be refused: its status, after the host has closed the connection. */
async function refusedUpgrade(target: string, headers: Record<string, string | undefined>): Promise<number> {
  const socket = await rawUpgrade(target, headers);
  await socket.closed;
  return socket.status;
}

/** An upgrade that must be accepted: proves it by a round trip, then closes. */
async function workingUpgrade(target: string, headers: Record<string, string | undefined>): Promise<void> {
  const socket = await rawUpgrade(target, headers);
  expect(socket.status).toBe(101);
  socket.send(text('{"kind":"request","id":7,"name":"app-info","args":{}}'));
  const [reply] = await socket.waitForTexts(1);
  expect(JSON.parse(reply!)).toMatchObject({ kind: 'response', id: 7, ok: true });
  socket.send(frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe8]) }));
  expect(await socket.closed).toBe(1000);
}

// ---------- the cases ----------

describe('case 1: a cookie that is not valid percent-encoding', () => {
  it('is a 401 on HTTP, not a crash', async () => {
    expect((await get('/healthz', { cookie: 'lora_studio_token=%' })).status).toBe(401);
    expect((await get('/assets/app.js', { cookie: 'lora_studio_token=%E0%A4%A' })).status).toBe(401);
  });

  it('is skipped when a real token comes along with it', async () => {
    expect((await get('/healthz', { cookie: 'lora_studio_token=%', ...bearer() })).status).toBe(200);
  });

  it('is a 401 on the WebSocket upgrade, not a crash', async () => {
    expect(await refusedUpgrade('/api', { cookie: 'lora_studio_token=%', origin: own })).toBe(401);
    expect(await refusedUpgrade('/api', { cookie: 'lora_studio_token=%' })).toBe(401);
  });
});

describe('token forms', () => {
  it.each([
    ['query', () => get(`/healthz?token=${host.token}`), 200],
    ['Authorization header', () => get('/healthz', bearer()), 200],
    ['cookie on a plain navigation', () => get('/healthz', cookie()), 200],
    ['cookie on a same-origin subresource', () => get('/healthz', { ...cookie(), 'sec-fetch-site': 'same-origin' }), 200],
    ['cookie on a typed address', () => get('/healthz', { ...cookie(), 'sec-fetch-site': 'none' }), 200],
    ['cookie on a subresource of another local page', () => get('/healthz', { ...cookie(), 'sec-fetch-site': 'same-site' }), 401],
    ['wrong query token', () => get('/healthz?token=nope'), 401],
    ['wrong header token', () => get('/healthz', { authorization: 'Bearer nope' }), 401],
    ['wrong cookie', () => get('/healthz', { cookie: 'lora_studio_token=nope' }), 401],
    ['no token', () => get('/healthz'), 401],
  ])('HTTP, %s → %i', async (_name, send, status) => {
    expect((await send()).status).toBe(status);
  });

  it('WebSocket: a query token or a bearer header works without an Origin (scripts, the ws client)', async () => {
    await workingUpgrade(`/api?token=${encodeURIComponent(host.token)}`, {});
    await workingUpgrade('/api', bearer());
  });

  it('WebSocket: the cookie works from the studio\'s own page, and not without an Origin', async () => {
    await workingUpgrade('/api', { ...cookie(), origin: own });
    expect(await refusedUpgrade('/api', cookie())).toBe(401);
  });

  it('WebSocket: the renderer\'s way in (own origin, token in the query, cookie alongside)', async () => {
    await workingUpgrade(`/api?token=${encodeURIComponent(host.token)}`, { ...cookie(), origin: own });
  });

  it('WebSocket: another path than /api is refused', async () => {
    expect(await refusedUpgrade(`/elsewhere?token=${host.token}`, {})).toBe(404);
  });
});

describe('case 3: other pages on this machine, and DNS rebinding', () => {
  const evil = () => ({ host: `evil.example:${host.port}`, origin: `http://evil.example:${host.port}` });

  const withToken = () => `/api?token=${host.token}`;
  it.each([
    ['from a page on another port, with the cookie', () => '/api', () => ({ ...cookie(), origin: otherPort }), 403],
    ['from a page on another port, even with the token', withToken, () => ({ origin: otherPort }), 403],
    ['from a sandboxed page (Origin: null)', () => '/api', () => ({ ...cookie(), origin: 'null' }), 403],
    ['from an https page', () => '/api', () => ({ ...cookie(), origin: `https://127.0.0.1:${host.port}` }), 403],
    ['under a rebinding name, with the cookie', () => '/api', () => ({ ...cookie(), ...evil() }), 421],
    ['under a rebinding name, with the token', withToken, evil, 421],
    ['under the right name but another port', () => '/api', () => ({ ...cookie(), host: `127.0.0.1:${host.port + 1}`, origin: own }), 421],
  ])('a WebSocket %s is refused', async (_name, target, headers, status) => {
    expect(await refusedUpgrade(target(), headers())).toBe(status);
  });

  it('the same rules hold on HTTP', async () => {
    expect((await get('/healthz', { ...cookie(), origin: otherPort })).status).toBe(403);
    expect((await get('/healthz', { ...cookie(), ...evil() })).status).toBe(421);
    expect((await get(`/healthz?token=${host.token}`, { host: 'evil.example' })).status).toBe(421);
    expect((await rawRequest(`GET /healthz?token=${host.token} HTTP/1.0\r\n\r\n`)).status).toBe(421);
  });

  it('the loopback names of this port are all the studio', async () => {
    for (const name of ['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST']) {
      expect((await get('/healthz', { ...cookie(), host: `${name}:${host.port}`, origin: `http://${name}:${host.port}` })).status).toBe(200);
    }
  });

  it('an upload needs the studio\'s own page or a token the client was given', async () => {
    const post = (headers: Record<string, string>) => get('/upload', { ...headers, 'content-length': '0' }, 'POST');
    expect((await post({ ...cookie(), origin: otherPort })).status).toBe(403);
    expect((await post(cookie())).status).toBe(401);
    // Past the guard, the upload route itself answers: it wants ?dir= and ?name=.
    const fromOwnPage = await post({ ...cookie(), origin: own });
    expect(fromOwnPage.status).toBe(400);
    expect(fromOwnPage.body).toContain('An upload needs');
    expect((await post(bearer())).body).toContain('An upload needs');
  });
});

describe('case 2: WebSocket protocol violations close that connection only', () => {
  const violations: [string, () => Buffer, number][] = [
    ['a frame over the size limit', () => frame({ opcode: 0x1, declaredLength: 8n * 1024n * 1024n + 1n, payload: Buffer.from('x') }), 1009],
    ['a 2^40 length', () => frame({ opcode: 0x2, declaredLength: 2n ** 40n }), 1009],
    ['a length past 2^53', () => frame({ opcode: 0x2, declaredLength: 2n ** 63n }), 1009],
    ['invalid UTF-8 in a text frame', () => text(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), 1007],
    ['an unmasked client frame', () => frame({ opcode: 0x1, payload: Buffer.from('{}'), masked: false }), 1002],
    ['a reserved opcode', () => frame({ opcode: 0x3, payload: Buffer.from('x') }), 1002],
    ['a control opcode out of range', () => frame({ opcode: 0xb }), 1002],
    ['a close code that may not be sent', () => frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xed]) }), 1002],
    ['a close code below 1000', () => frame({ opcode: 0x8, payload: Buffer.from([0x00, 0x01]) }), 1002],
    ['RSV bits without an extension', () => frame({ opcode: 0x1, rsv: 0b100, payload: Buffer.from('{}') }), 1002],
    ['a fragmented ping', () => frame({ opcode: 0x9, fin: false }), 1002],
    ['a continuation with nothing to continue', () => frame({ opcode: 0x0, payload: Buffer.from('x') }), 1002],
  ];

  it.each(violations)('%s', async (_name, bytes, code) => {
    const socket = await rawUpgrade(`/api?token=${host.token}`);
    expect(socket.status).toBe(101);
    socket.send(bytes());
    expect(await socket.closed).toBe(code);
    // Other connections never noticed.
    expect(await askKeptOpen({ kind: 'request', id: 50, name: 'app-info', args: {} })).toMatchObject({ ok: true });
  });

  it('a client that vanishes in the middle of a frame', async () => {
    const socket = await rawUpgrade(`/api?token=${host.token}`);
    socket.send(frame({ opcode: 0x1, declaredLength: 1000n, payload: Buffer.from('{"kind"') }).subarray(0, 20));
    socket.end();
    await socket.closed;
  });

  it('malformed HTTP gets a 400 and a closed connection', async () => {
    expect((await rawRequest('NOT HTTP AT ALL\r\n\r\n')).status).toBe(400);
    expect((await rawRequest(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nbad header\r\n\r\n`)).status).toBe(400);
  });
});

describe('per-connection limits', () => {
  it(`answers requests past ${IN_FLIGHT} in flight with "busy", and serves the socket afterwards`, async () => {
    const socket = await rawUpgrade(`/api?token=${host.token}`);
    const count = IN_FLIGHT + 8;
    // One write: every frame reaches the host in one read, before any answer can go out.
    socket.send(Buffer.concat(Array.from({ length: count }, (_, i) => text(`{"kind":"request","id":${i + 1},"name":"app-info","args":{}}`))));
    const replies = (await socket.waitForTexts(count)).map((t) => JSON.parse(t) as { id: number; ok: boolean; error?: { code: string; message: string } });
    expect(replies.map((r) => r.id).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    const busy = replies.filter((r) => !r.ok);
    expect(busy).toHaveLength(count - IN_FLIGHT);
    for (const r of busy) {
      expect(r.error?.code).toBe('unavailable');
      expect(r.error?.message).toMatch(/busy.*try again/i);
    }
    socket.send(text('{"kind":"request","id":99,"name":"app-info","args":{}}'));
    const all = await socket.waitForTexts(count + 1);
    expect(JSON.parse(all[count]!)).toMatchObject({ id: 99, ok: true });
    socket.send(frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe8]) }));
    expect(await socket.closed).toBe(1000);
  });

  it('answers a binary frame with a reason instead of ignoring it', async () => {
    const socket = await rawUpgrade(`/api?token=${host.token}`);
    socket.send(frame({ opcode: 0x2, payload: Buffer.from('{"kind":"request","id":3,"name":"app-info","args":{}}') }));
    const [reply] = await socket.waitForTexts(1);
    expect(JSON.parse(reply!)).toMatchObject({ id: 3, ok: false, error: { code: 'invalid-request' } });
    socket.end();
    await socket.closed;
  });
});

describe('case 4: bad percent-encoding in the path or query', () => {
  it.each([
    ['/%zz.js'],
    ['/assets/%E0%A4%A.js'],
    ['/%'],
    ['/media?project=x&path=%zz'],
    ['/media?project=%&path=a'],
    ['/healthz?%zz=1'],
  ])('%s is a 400', async (target) => {
    const sep = target.includes('?') ? '&' : '?';
    const reply = await get(`${target}${sep}token=${host.token}`);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('broken %-escape');
  });

  it('a request target that is not a path is a 400', async () => {
    expect((await get(`http://evil.example/healthz?token=${host.token}`)).status).toBe(400);
  });

  it('an upgrade with a broken escape is a 400', async () => {
    expect(await refusedUpgrade(`/api%zz?token=${host.token}`, {})).toBe(400);
  });
});

describe('case 8 (/media) and static files: only real paths inside the folder', () => {
  const media = (path: string) => get(`/media?project=${encodeURIComponent(projectDir)}&path=${path}&token=${host.token}`);

  it('serves a file in the project, and a link that stays inside it', async () => {
    expect(await media('inside.jpg')).toMatchObject({ status: 200, body: 'INSIDE' });
    expect(await media('inner-link.jpg')).toMatchObject({ status: 200, body: 'INSIDE' });
  });

  it.each([
    ['a link in the project to a file outside', () => 'leak.jpg'],
    ['a linked folder that leads outside', () => 'linked-folder%2Fsecret.jpg'],
    ['an encoded %', () => '%25'],
    ['..%2f climbing', () => '..%2f..%2f..%2f..%2f..%2fetc%2fpasswd'],
    ['..%2f climbing to the file the link points at', () => encodeURIComponent(relative(projectDir, outsideFile))],
    ['an encoded backslash', () => '..%5c..%5c..%5cetc%5cpasswd'],
    ['an absolute path', () => '%2Fetc%2Fpasswd'],
    ['an absolute path to the file the link points at', () => encodeURIComponent(outsideFile)],
    ['a NUL byte', () => 'inside.jpg%00.png'],
    ['the project folder itself', () => '.'],
  ])('%s → 404', async (_name, path) => {
    const reply = await media(path());
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain(SECRET);
    expect(reply.body).not.toContain('root:');
  });

  it('a project the studio does not know → 404', async () => {
    expect((await get(`/media?project=%2Fetc&path=passwd&token=${host.token}`)).status).toBe(404);
  });

  it.each([
    ['a link in the renderer folder to a file outside', '/assets/leak.js'],
    ['..%2f climbing', '/..%2f..%2f..%2fetc%2fpasswd'],
    ['dot segments sent as is', '/../../../etc/passwd'],
    ['encoded dot segments', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd'],
    ['an absolute path', '/%2Fetc%2Fpasswd'],
    ['an encoded backslash', '/..%5c..%5cetc%5cpasswd'],
  ])('static files: %s never leaks', async (_name, target) => {
    const reply = await get(`${target}?token=${host.token}`);
    expect(reply.body).not.toContain(SECRET);
    expect(reply.body).not.toContain('root:');
    // Paths without an extension fall back to the app shell; with one, they are not found.
    if (reply.status === 200) expect(reply.body).toContain('<title>LoRA Studio</title>');
    else expect(reply.status).toBe(404);
  });
});
