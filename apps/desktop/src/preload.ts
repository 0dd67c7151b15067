// The only thing the sandboxed renderer gets: send a request frame, receive response/event frames.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { RequestFrame, ServerFrame } from '@lora-studio/api';
import { API_CHANNEL } from './bridge-channel';

const bridge = {
  send(frame: RequestFrame): void {
    ipcRenderer.send(API_CHANNEL, frame);
  },
  onFrame(cb: (frame: ServerFrame) => void): () => void {
    const listener = (_e: IpcRendererEvent, frame: ServerFrame) => cb(frame);
    ipcRenderer.on(API_CHANNEL, listener);
    return () => ipcRenderer.removeListener(API_CHANNEL, listener);
  },
} satisfies { send(frame: RequestFrame): void; onFrame(cb: (frame: ServerFrame) => void): () => void };

contextBridge.exposeInMainWorld('loraStudio', bridge);
