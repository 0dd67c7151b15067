/** The one IPC channel between the preload and main: the same frames as the WebSocket (packages/api protocol.ts). */
export const API_CHANNEL = 'lora-studio:api';
