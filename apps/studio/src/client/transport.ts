import type { RequestFrame, ServerFrame } from '@lora-studio/api';

/** 'open': requests flow. 'connecting': first attempt. 'reconnecting': lost and retrying. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** One way of carrying frames between the renderer and the services (WebSocket or Electron IPC). */
export interface Transport {
  /** Frames sent while not open wait and go out, in order, once the connection is up. */
  send(frame: RequestFrame): void;
  onFrame(cb: (frame: ServerFrame) => void): () => void;
  onState(cb: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
}
