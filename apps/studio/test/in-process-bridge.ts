import type { RequestFrame, ServerFrame } from '@lora-studio/api';
import { createStudio } from '@lora-studio/core';
import type { LoraStudioBridge, ServicesState } from '../src/client/bridge';

/**
 * The preload bridge with main and the services process played in this process: frames go to a real studio
 * dispatcher, as main relays them to the services. `crash()` is the services process dying — the answers it owed are
 * never delivered and main says 'reconnecting' — and `restart()` is main's new services process coming up ('open').
 */
export function inProcessBridge(home: string) {
  const frameListeners = new Set<(frame: ServerFrame) => void>();
  const stateListeners = new Set<(state: ServicesState) => void>();
  const deliver = (frame: ServerFrame) => {
    for (const cb of frameListeners) cb(frame);
  };
  const start = () => createStudio({ home, mode: 'desktop', emit: (name, payload) => deliver({ kind: 'event', name, payload }) });
  let services: ReturnType<typeof start> | undefined = start();
  /** Which services process a frame went to: a response from a dead one never arrives. */
  let generation = 0;
  /** Frames that reached main while no services process was up (the transport should have held them). */
  const sentWhileDown: RequestFrame[] = [];
  const tell = (state: ServicesState) => {
    for (const cb of stateListeners) cb(state);
  };

  const bridge: LoraStudioBridge = {
    send(frame) {
      if (!services) {
        sentWhileDown.push(frame);
        return;
      }
      const sentTo = generation;
      void services.dispatcher.handleRaw(JSON.stringify(frame)).then((response) => {
        if (sentTo === generation) deliver(response);
      });
    },
    onFrame(cb) {
      frameListeners.add(cb);
      return () => frameListeners.delete(cb);
    },
    onServicesState(cb) {
      stateListeners.add(cb);
      return () => stateListeners.delete(cb);
    },
  };
  return {
    bridge,
    sentWhileDown,
    /** Main's message after (re)starting the services: also sent when the app first starts. */
    tellOpen: () => tell('open'),
    crash: () => {
      generation += 1;
      services?.close();
      services = undefined;
      tell('reconnecting');
    },
    restart: () => {
      services = start();
      tell('open');
    },
    close: () => services?.close(),
  };
}
