import type { EventFrame, ServerEventName, ServerEvents } from '@lora-studio/api';
import { createStudio, type StudioContext } from '@lora-studio/core';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from '@lora-studio/api';
import { safeJoin, sendFile } from './static-files';
import { handleUpload } from './upload';
import { serveMedia } from './media';
import { newAccessToken, TOKEN_COOKIE, tokenFromRequest, tokenMatches } from './token';

export interface HostOptions {
  home: string;
  /** Folder with the built renderer (index.html + assets). */
  studioDist: string;
  host?: string;
  port?: number;
  token?: string;
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
 * Every request must carry the access token; loopback only unless the user asks for more.
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
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
  });

  const server = createServer((req, res) => {
    if (!tokenMatches(tokenFromRequest(req), token)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('LoRA Studio: this address needs the access token. Open the URL the studio printed when it started.\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/upload') {
      void handleUpload(req, res, studio.ctx, studio.dispatcher);
      return;
    }
    serveHttp(req, res, opts.studioDist, token, studio.ctx);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api' || !tokenMatches(tokenFromRequest(req), token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', async (data, isBinary) => {
        if (isBinary) return;
        const response = await studio.dispatcher.handleRaw(data as Buffer);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(response));
      });
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
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

function serveHttp(req: IncomingMessage, res: ServerResponse, studioDist: string, token: string, ctx: StudioContext): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  // The first visit carries ?token=; a cookie keeps later asset and media requests authorised.
  const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
  const headers = { 'set-cookie': cookie, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' };
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end('{"ok":true}');
    return;
  }
  if (url.pathname === '/media') {
    serveMedia(url, res, ctx, headers);
    return;
  }
  const rel = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
  const file = safeJoin(studioDist, rel);
  if (file && sendFile(res, file, headers)) return;
  const index = safeJoin(studioDist, 'index.html');
  if (!index || !existsSync(index)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The studio UI is not built yet. Run `npm run build:studio` (npm start does it for you).\n');
    return;
  }
  // Unknown paths fall back to the app shell so a reload on any view works.
  if (!rel.includes('.')) sendFile(res, index, headers);
  else res.writeHead(404).end();
}
