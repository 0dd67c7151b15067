import type { RequestFrame, ServerFrame } from '@lora-studio/api';

/**
 * What the Electron preload exposes as `window.loraStudio` (contextBridge). The preload checks its object
 * against this interface with `satisfies`, so the two sides cannot drift apart.
 */
export interface LoraStudioBridge {
  send(frame: RequestFrame): void;
  /** Calls `cb` for every frame from the main process; returns the unsubscribe function. */
  onFrame(cb: (frame: ServerFrame) => void): () => void;
}

declare global {
  interface Window {
    loraStudio?: LoraStudioBridge;
  }
}
