import type { LoraStudioBridge } from './bridge';
import type { Transport } from './transport';

/** Desktop: the preload bridge relays frames to the main process; it is up for the life of the window. */
export function ipcTransport(bridge: LoraStudioBridge): Transport {
  return {
    state: 'open',
    send: (frame) => bridge.send(frame),
    onFrame: (cb) => bridge.onFrame(cb),
    onState: () => () => {},
  };
}
