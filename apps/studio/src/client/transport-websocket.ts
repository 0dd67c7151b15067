import type { RequestFrame, ServerFrame } from '@lora-studio/api';
import type { ConnectionState, Transport } from './transport';

/** Retry quickly after a blip, then settle at a few seconds so a stopped host is not hammered. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000];

/** The host's WebSocket at /api on the page's own origin; the token rides along (the cookie is a fallback). */
export function apiSocketUrl(token: string | null): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${window.location.host}/api${query}`;
}

export function websocketTransport(url: string): Transport {
  const frameListeners = new Set<(frame: ServerFrame) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const outbox: string[] = [];
  let socket: WebSocket;
  let state: ConnectionState = 'connecting';
  let failures = 0;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const cb of stateListeners) cb(next);
  };

  const connect = () => {
    socket = new WebSocket(url);
    socket.onopen = () => {
      failures = 0;
      setState('open');
      while (outbox.length > 0 && socket.readyState === WebSocket.OPEN) socket.send(outbox.shift()!);
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      for (const cb of frameListeners) cb(frame);
    };
    socket.onclose = () => {
      setState('reconnecting');
      const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!;
      failures += 1;
      setTimeout(connect, delay);
    };
  };
  connect();

  return {
    get state() {
      return state;
    },
    send(frame: RequestFrame) {
      const text = JSON.stringify(frame);
      if (state === 'open' && socket.readyState === WebSocket.OPEN) socket.send(text);
      else outbox.push(text);
    },
    onFrame(cb) {
      frameListeners.add(cb);
      return () => frameListeners.delete(cb);
    },
    onState(cb) {
      stateListeners.add(cb);
      return () => stateListeners.delete(cb);
    },
  };
}
