import type { ApiError } from './errors';
import type { ServerEventName, ServerEvents } from './events';

/**
 * Frames on the wire: the same JSON shapes over Electron IPC and over the WebSocket,
 * so one client and one dispatcher serve both transports.
 */
export interface RequestFrame {
  kind: 'request';
  id: number;
  name: string;
  args: unknown;
}

export type ResponseFrame =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ApiError };

export interface EventFrame<K extends ServerEventName = ServerEventName> {
  kind: 'event';
  name: K;
  payload: ServerEvents[K];
}

export type ServerFrame = ResponseFrame | EventFrame;

/** Requests larger than this are refused before parsing; files travel by path or upload, never inside a request. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
