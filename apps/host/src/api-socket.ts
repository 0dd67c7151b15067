import { MAX_REQUEST_BYTES, type ApiError, type ResponseFrame } from '@lora-studio/api';
import type { Dispatcher } from '@lora-studio/core';
import type { RawData, WebSocket } from 'ws';

/**
 * Requests one connection may have running at once. The renderer has a handful in flight at a time (a view loads
 * two or three things together); a script that fires thousands would otherwise queue unbounded work in the services.
 */
export const MAX_REQUESTS_IN_FLIGHT = 64;

/** Responses and events a client may leave unread before it is dropped, so a socket that never reads cannot hold the host's memory. */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024;

/**
 * One API connection: each text frame is a request for the dispatcher, each answer a response frame on the same
 * socket. A protocol violation (oversize or unmasked frame, invalid UTF-8, bad opcode or close code) surfaces as the
 * socket's 'error' after ws has already sent the matching close code; closing here ends that connection only.
 */
export function serveApiSocket(ws: WebSocket, dispatcher: Dispatcher, maxRequestsInFlight = MAX_REQUESTS_IN_FLIGHT): void {
  ws.on('error', () => closeQuietly(ws));
  let inFlight = 0;
  ws.on('message', (data, isBinary) => {
    const raw = asBuffer(data);
    if (isBinary) {
      sendFrame(ws, failure(requestIdOf(raw), { code: 'invalid-request', message: 'The studio API takes JSON requests in text frames, not binary ones.' }));
      return;
    }
    if (inFlight >= maxRequestsInFlight) {
      sendFrame(ws, failure(requestIdOf(raw), {
        code: 'unavailable',
        message: `The studio is busy: this window already has ${maxRequestsInFlight} requests running. Wait for them to finish, then try again.`,
      }));
      return;
    }
    inFlight += 1;
    dispatcher
      .handleRaw(raw)
      .catch((err: unknown): ResponseFrame => failure(0, { code: 'internal', message: `The studio could not answer this request (${err instanceof Error ? err.message : String(err)}). Try again.` }))
      .then((response) => {
        inFlight -= 1;
        sendFrame(ws, response);
      });
  });
}

/** Sends text to one client if it is still there and keeping up; the only way the host writes to an API socket. */
export function sendToSocket(ws: WebSocket, text: string): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
    ws.terminate();
    return;
  }
  ws.send(text, (err) => {
    if (err) closeQuietly(ws);
  });
}

function sendFrame(ws: WebSocket, frame: ResponseFrame): void {
  sendToSocket(ws, JSON.stringify(frame));
}

function failure(id: number, error: ApiError): ResponseFrame {
  return { kind: 'response', id, ok: false, error };
}

/** The id a refused request asked with, so the client can match the refusal to its call; 0 when it cannot be read. */
function requestIdOf(raw: Buffer): number {
  if (raw.length > MAX_REQUEST_BYTES) return 0;
  try {
    const id: unknown = (JSON.parse(raw.toString('utf8')) as { id?: unknown } | null)?.id;
    return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : 0;
  } catch {
    return 0;
  }
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function closeQuietly(ws: WebSocket): void {
  if (ws.readyState === ws.CLOSED) return;
  try {
    ws.close();
  } catch {
    ws.terminate();
  }
}
