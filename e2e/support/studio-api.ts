import type { Handlers, ResponseFrame } from '@lora-studio/api';
import WebSocket from 'ws';

/** The studio's API over its WebSocket, as any client would call it: typed by the handlers' own signatures. */
export interface StudioApi {
  send<K extends keyof Handlers>(name: K, args: Parameters<Handlers[K]>[0]): Promise<Awaited<ReturnType<Handlers[K]>>>;
  close(): void;
}

/** Opens the API socket of the studio at `studioUrl` (the address the host prints, with its token). */
export async function connectApi(studioUrl: string): Promise<StudioApi> {
  const url = new URL(studioUrl);
  const socket = new WebSocket(`ws://${url.host}/api?token=${encodeURIComponent(url.searchParams.get('token')!)}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ResponseFrame | { kind: 'event' };
    if (frame.kind !== 'response') return;
    const w = waiting.get(frame.id);
    waiting.delete(frame.id);
    if (frame.ok) w?.resolve(frame.result);
    else w?.reject(new Error(frame.error.message));
  });
  return {
    send: (name, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        socket.send(JSON.stringify({ kind: 'request', id, name, args }));
      }),
    close: () => socket.close(),
  };
}

/** One request on its own socket, for a test that needs a single call. */
export async function send<K extends keyof Handlers>(studioUrl: string, name: K, args: Parameters<Handlers[K]>[0]): Promise<Awaited<ReturnType<Handlers[K]>>> {
  const api = await connectApi(studioUrl);
  try {
    return await api.send(name, args);
  } finally {
    api.close();
  }
}
