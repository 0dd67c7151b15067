// The services process (Electron utilityProcess): the same handlers as the browser-mode host.
// Keeping them out of main means a slow handler or a crash never freezes or kills the window.
import { createStudio } from '@lora-studio/core';
import { studioHome } from '@lora-studio/store';
import type { ServerFrame } from '@lora-studio/api';
import { parentPort } from './parent-port';

// The training worker is forked from here; under Electron, process.execPath is Electron itself, which must run as Node.
process.env.ELECTRON_RUN_AS_NODE = '1';

const parent = parentPort();

const studio = createStudio({
  home: studioHome(),
  mode: 'desktop',
  emit: (name, payload) => parent.postMessage({ kind: 'event', name, payload } satisfies ServerFrame),
});

parent.onMessage(async (data) => {
  const { windowId, frame } = data as { windowId: number; frame: unknown };
  const response = await studio.dispatcher.handleRaw(JSON.stringify(frame));
  parent.postMessage({ windowId, frame: response });
});
