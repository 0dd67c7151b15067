import type {
  ApiError,
  ApiErrorCode,
  HandlerArgs,
  HandlerName,
  HandlerResult,
  ServerEventName,
  ServerEvents,
  ServerFrame,
} from '@lora-studio/api';
import type { ConnectionState, Transport } from './transport';

/** A rejected request: the ApiError from the services, as an Error so it keeps a stack in the console. */
export class RequestFailed extends Error implements ApiError {
  readonly code: ApiErrorCode;
  readonly details?: unknown;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'RequestFailed';
    this.code = error.code;
    this.details = error.details;
  }
}

export interface StudioClient {
  /** Calls one handler of the contract; rejects with a RequestFailed carrying the ApiError. */
  send<K extends HandlerName>(name: K, args: HandlerArgs<K>): Promise<HandlerResult<K>>;
  /** Subscribes to a pushed event; returns the unsubscribe function. */
  on<E extends ServerEventName>(name: E, cb: (payload: ServerEvents[E]) => void): () => void;
  onState(cb: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
}

const CONNECTION_LOST: ApiError = {
  code: 'unavailable',
  message: 'The connection to the studio was lost before it answered. It reconnects by itself; try again in a moment.',
};

export function createClient(transport: Transport): StudioClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: RequestFailed) => void }>();
  const eventListeners = new Map<string, Set<(payload: never) => void>>();

  transport.onFrame((frame: ServerFrame) => {
    if (frame.kind === 'response') {
      const waiting = pending.get(frame.id);
      if (!waiting) return;
      pending.delete(frame.id);
      if (frame.ok) waiting.resolve(frame.result);
      else waiting.reject(new RequestFailed(frame.error));
    } else if (frame.kind === 'event') {
      for (const cb of eventListeners.get(frame.name) ?? []) cb(frame.payload as never);
    }
  });

  // The services never answer requests that were in flight on a dropped connection; fail them now.
  transport.onState((state) => {
    if (state === 'open') return;
    for (const [id, waiting] of pending) {
      pending.delete(id);
      waiting.reject(new RequestFailed(CONNECTION_LOST));
    }
  });

  return {
    get state() {
      return transport.state;
    },
    send(name, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        transport.send({ kind: 'request', id, name, args });
      });
    },
    on(name, cb) {
      let listeners = eventListeners.get(name);
      if (!listeners) eventListeners.set(name, (listeners = new Set()));
      listeners.add(cb as (payload: never) => void);
      return () => listeners.delete(cb as (payload: never) => void);
    },
    onState: (cb) => transport.onState(cb),
  };
}

/** The user-facing text of any failure: the API's own message, or a plain fallback. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as ApiError).message === 'string') return (err as ApiError).message;
  return String(err);
}

/** Per-field messages from an 'invalid-request' error, keyed by argument name ("trigger", "name"). */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof RequestFailed) || err.code !== 'invalid-request' || !Array.isArray(err.details)) return {};
  const out: Record<string, string> = {};
  for (const issue of err.details as { path?: unknown; message?: unknown }[]) {
    if (typeof issue.path === 'string' && typeof issue.message === 'string' && !(issue.path in out)) out[issue.path] = issue.message;
  }
  return out;
}
