// The desktop bridge: what the Electron preload hands the sandboxed renderer as `window.loraStudio`. It is part of
// the contract because two apps meet at it (the desktop's preload provides it, the studio's IPC transport uses it).
// The dropped-file type is a parameter so the contract needs no DOM types; both sides pass the DOM's `File`.
import type { RequestFrame, ServerFrame } from './protocol';

/** The services process as main reports it: 'reconnecting' from its crash until its replacement is 'open'. */
export type ServicesState = 'open' | 'reconnecting';

export interface LoraStudioBridge<PickedFile = never> {
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
  pathForFile?(file: PickedFile): string;
  /** Shows a file in the system's file manager (Electron's `shell.showItemInFolder`): Export's "Open containing folder". */
  showInFolder?(path: string): void;
}
