import type { RequestFrame } from '@lora-studio/api';
import type { LoraStudioBridge } from './bridge';
import type { ConnectionState, Transport } from './transport';

/**
 * Desktop: the preload bridge relays frames to main, which relays them to the services process. The window's end is
 * up for its whole life, but the services may crash: main then says 'reconnecting' (the client fails the requests in
 * flight, which will never be answered), restarts them and says 'open'. Frames sent in between wait here and go out,
 * in order, once the new services are up — the same contract as the WebSocket transport.
 */
export function ipcTransport(bridge: LoraStudioBridge): Transport {
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const outbox: RequestFrame[] = [];
  let state: ConnectionState = 'open';

  bridge.onServicesState?.((next) => {
    if (next === state) return;
    state = next;
    // The held frames go first, so anything a listener sends on 'open' follows them.
    if (next === 'open') for (const frame of outbox.splice(0)) bridge.send(frame);
    for (const cb of stateListeners) cb(next);
  });

  return {
    get state() {
      return state;
    },
    send(frame) {
      if (state === 'open') bridge.send(frame);
      else outbox.push(frame);
    },
    onFrame: (cb) => bridge.onFrame(cb),
    onState(cb) {
      stateListeners.add(cb);
      return () => stateListeners.delete(cb);
    },
  };
}
