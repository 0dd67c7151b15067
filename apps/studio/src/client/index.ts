import { createClient, type StudioClient } from './client';
import { takeAccessToken } from './access-token';
import { ipcTransport } from './transport-ipc';
import { apiSocketUrl, websocketTransport } from './transport-websocket';

export { RequestFailed, errorMessage, fieldErrors, type StudioClient } from './client';
export type { ConnectionState } from './transport';
export type { LoraStudioBridge } from './bridge';
export { importsByPath, localPath, mediaUrl, uploadImage } from './dataset-files';

/** The one client of the renderer: Electron IPC when the preload bridge is there, the host's WebSocket otherwise. */
export const client: StudioClient = createClient(
  window.loraStudio ? ipcTransport(window.loraStudio) : websocketTransport(apiSocketUrl(takeAccessToken())),
);
