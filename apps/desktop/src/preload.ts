// The only things the sandboxed renderer gets: send a request frame, receive response/event frames and the services'
// state (so requests in flight when they crash fail instead of waiting forever), the disk path of a dropped file (so
// the desktop imports in place instead of uploading), and "show in folder" for exports.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { LoraStudioBridge, RequestFrame, ServerFrame, ServicesState } from '@lora-studio/api';
import { API_CHANNEL, SERVICES_STATE_CHANNEL, SHOW_IN_FOLDER_CHANNEL } from './bridge-channel';

const bridge = {
  send(frame: RequestFrame): void {
    ipcRenderer.send(API_CHANNEL, frame);
  },
  onFrame(cb: (frame: ServerFrame) => void): () => void {
    const listener = (_e: IpcRendererEvent, frame: ServerFrame) => cb(frame);
    ipcRenderer.on(API_CHANNEL, listener);
    return () => ipcRenderer.removeListener(API_CHANNEL, listener);
  },
  onServicesState(cb: (state: ServicesState) => void): () => void {
    const listener = (_e: IpcRendererEvent, state: ServicesState) => cb(state);
    ipcRenderer.on(SERVICES_STATE_CHANNEL, listener);
    return () => ipcRenderer.removeListener(SERVICES_STATE_CHANNEL, listener);
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
  showInFolder(path: string): void {
    ipcRenderer.send(SHOW_IN_FOLDER_CHANNEL, path);
  },
} satisfies LoraStudioBridge<File>;

contextBridge.exposeInMainWorld('loraStudio', bridge);
