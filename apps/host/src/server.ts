import type { EventFrame, ServerEventName, ServerEvents } from '@lora-studio/api';
import { createStudio, type StudioContext } from '@lora-studio/core';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from '@lora-studio/api';
import { confinedPathOrUndefined } from '@lora-studio/store';
import { serveApiSocket, sendToSocket } from './api-socket';
import { sendFile } from './static-files';
import { handleUpload } from './upload';
import { serveMedia } from './media';
import { refuseRequest, refuseUpgrade } from './refusal';
import { guardRequest, type GuardSettings } from './request-guard';
import type { RequestTarget } from './request-target';
import { newAccessToken, TOKEN_COOKIE } from './token';

export interface HostOptions {
  home: string;
  /** Folder with the built renderer (index.html + assets). */
  studioDist: string;
  host?: string;
  port?: number;
  token?: string;
  /** Requests one WebSocket may have running at once (see api-socket.ts). */
  maxRequestsInFlight?: number;
}

export interface RunningHost {
  url: string;
  token: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * Browser mode: the same services as the desktop app, over HTTP (renderer + media) and a WebSocket (the API).
 * Every request and upgrade passes one guard first (request-guard.ts: decoding, Host, Origin, access token);
 * loopback only unless the user asks for more.
 */
export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? newAccessToken();
  const sockets = new Set<WebSocket>();
  const studio = createStudio({
    home: opts.home,
    mode: 'browser',
    emit: <K extends ServerEventName>(name: K, payload: ServerEvents[K]) => {
      const frame: EventFrame<K> = { kind: 'event', name, payload };
      const text = JSON.stringify(frame);
      for (const ws of sockets) sendToSocket(ws, text);
    },
  });
  // Filled in once the OS has assigned the port; no request can arrive before listen() returns.
  const guard: GuardSettings = { token, listen: { host: opts.host ?? '127.0.0.1', port: 0 } };

  const server = createServer((req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    const verdict = guardRequest(req, guard, false);
    if (!verdict.ok) {
      refuseRequest(res, verdict, req.method === 'POST');
      return;
    }
    if (req.method === 'POST' && verdict.target.path === '/upload') {
      handleUpload(req, res, studio.ctx, studio.dispatcher).catch((err: unknown) => failRequest(res, err));
      return;
    }
    try {
      serveHttp(req, res, verdict.target, opts.studioDist, token, studio.ctx);
    } catch (err) {
      failRequest(res, err);
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP (bad header, oversize request line) or a client too slow to send one: answer when the socket can
    // still take it, and always let go of it. Listening here means Node leaves both to us.
    if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
    else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    // Node stops listening for errors on an upgraded socket; without this a reset during the handshake is fatal.
    socket.on('error', () => socket.destroy());
    const verdict = guardRequest(req, guard, true);
    if (!verdict.ok) return refuseUpgrade(socket, verdict);
    if (verdict.target.path !== '/api') return refuseUpgrade(socket, { ok: false, status: 404, message: 'The studio API is at /api.' });
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      serveApiSocket(ws, studio.dispatcher, opts.maxRequestsInFlight);
    });
  });

  const host = guard.listen.host;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  guard.listen.port = port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/?token=${token}`,
    token,
    port,
    server,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      studio.close();
    },
  };
}

/** Last resort for a route that threw: the request fails, the host keeps serving. */
function failRequest(res: ServerResponse, err: unknown): void {
  console.error('[lora-studio] request failed:', err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('LoRA Studio could not answer this request. Try again, and report it if it repeats.\n');
}

function serveHttp(req: IncomingMessage, res: ServerResponse, target: RequestTarget, studioDist: string, token: string, ctx: StudioContext): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  // The first visit carries ?token=; a cookie keeps later asset and media requests authorised.
  const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
  const headers = { 'set-cookie': cookie, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' };
  if (target.path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end('{"ok":true}');
    return;
  }
  if (target.path === '/media') {
    serveMedia(target.query, res, ctx, headers);
    return;
  }
  const rel = target.path === '/' ? 'index.html' : target.path.slice(1);
  const file = confinedPathOrUndefined(studioDist, rel);
  if (file && sendFile(res, file, headers)) return;
  const index = confinedPathOrUndefined(studioDist, 'index.html');
  if (!index || !existsSync(index)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The studio UI is not built yet. Run `npm run build:studio` (npm start does it for you).\n');
    return;
  }
  // Unknown paths fall back to the app shell so a reload on any view works.
  if (!rel.includes('.') && sendFile(res, index, headers)) return;
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('No such file in the studio.\n');
}
