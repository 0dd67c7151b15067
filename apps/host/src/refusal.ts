import type { ResponseFrame } from '@lora-studio/api';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Refusal } from './request-guard';

// `connection: close` so a refused request's body (an upload, say) is not read any further.
const PLAIN = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', connection: 'close' };

/**
 * Answers a refused HTTP request. The upload route's caller reads a response frame, so it gets the same sentence
 * inside one; everything else gets plain text a person can read in the browser.
 */
export function refuseRequest(res: ServerResponse, refusal: Refusal, asResponseFrame: boolean): void {
  if (asResponseFrame) {
    const frame: ResponseFrame = { kind: 'response', id: 0, ok: false, error: { code: 'invalid-request', message: refusal.message } };
    res.writeHead(refusal.status, { ...PLAIN, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(frame));
    return;
  }
  res.writeHead(refusal.status, PLAIN).end(`${refusal.message}\n`);
}

/** Answers a refused WebSocket upgrade on the raw socket (no ServerResponse exists there) and hangs up. */
export function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${refusal.message}\n`;
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`,
    'Connection: close',
    `Content-Type: ${PLAIN['content-type']}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}
