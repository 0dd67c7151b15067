import type { RequestFrame, ServerFrame } from '@lora-studio/api';

/** The services process as main reports it: 'reconnecting' from its crash until its replacement is 'open'. */
export type ServicesState = 'open' | 'reconnecting';

/**
 * What the Electron preload exposes as `window.loraStudio` (contextBridge). The preload checks its object
 * against this interface with `satisfies`, so the two sides cannot drift apart.
 */
export interface LoraStudioBridge {
  send(frame: RequestFrame): void;
  /** Calls `cb` for every frame from the main process; returns the unsubscribe function. */
  onFrame(cb: (frame: ServerFrame) => void): () => void;
  /**
   * Calls `cb` when the services process dies (main restarts it) and when the new one is up; returns the
   * unsubscribe function. Requests in flight when it died are never answered.
   */
  onServicesState?(cb: (state: ServicesState) => void): () => void;
  /**
   * The path on disk of a dropped or picked file (Electron's `webUtils.getPathForFile`), so the desktop app imports
   * files where they lie instead of uploading them.
   */
  pathForFile?(file: File): string;
  /** Shows a file in the system's file manager (Electron's `shell.showItemInFolder`): Export's "Open containing folder". */
  showInFolder?(path: string): void;
}

declare global {
  interface Window {
    loraStudio?: LoraStudioBridge;
  }
}
