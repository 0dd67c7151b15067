import type { ServerFrame } from '@lora-studio/api';
import { createStudio } from '@lora-studio/core';
import type { ConnectionState, Transport } from '../src/client/transport';

/**
 * A transport wired straight to the real services in this process (no network): the client under test talks to
 * the same dispatcher the host and Electron use. `drop()` and `restore()` play a lost and regained connection.
 */
export function inProcessTransport(home: string) {
  const frameListeners = new Set<(frame: ServerFrame) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'open';
  let held: string[] = [];
  const deliver = (frame: ServerFrame) => {
    for (const cb of frameListeners) cb(frame);
  };
  const studio = createStudio({ home, mode: 'browser', emit: (name, payload) => deliver({ kind: 'event', name, payload }) });
  const dispatch = async (text: string) => {
    const response = await studio.dispatcher.handleRaw(text);
    // A response to a request sent before a drop never arrives: the connection it would travel on is gone.
    if (state === 'open') deliver(response);
  };
  const setState = (next: ConnectionState) => {
    state = next;
    for (const cb of stateListeners) cb(next);
  };

  const transport: Transport = {
    get state() {
      return state;
    },
    send(frame) {
      const text = JSON.stringify(frame);
      if (state === 'open') void dispatch(text);
      else held.push(text);
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
  return {
    transport,
    drop: () => setState('reconnecting'),
    restore: () => {
      setState('open');
      const queued = held;
      held = [];
      for (const text of queued) void dispatch(text);
    },
    close: () => studio.close(),
  };
}
