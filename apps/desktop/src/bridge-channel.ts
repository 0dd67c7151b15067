/** The IPC channels between the preload and main. API frames are the same as over the WebSocket (packages/api protocol.ts). */
export const API_CHANNEL = 'lora-studio:api';
export const SHOW_IN_FOLDER_CHANNEL = 'lora-studio:show-in-folder';
/** Main → renderer: the services process died ('reconnecting') or its replacement is up ('open'). */
export const SERVICES_STATE_CHANNEL = 'lora-studio:services-state';
