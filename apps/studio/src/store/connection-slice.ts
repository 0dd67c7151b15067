import type { AppInfo } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage, type ConnectionState } from '../client';
import type { StudioState } from './index';

/** The link to the services and what they say about themselves (version, mode, compute device). */
export interface ConnectionSlice {
  connection: ConnectionState;
  appInfo: AppInfo | null;
  appInfoError: string | null;
  setConnection(state: ConnectionState): void;
  loadAppInfo(): Promise<void>;
}

export const createConnectionSlice: StateCreator<StudioState, [], [], ConnectionSlice> = (set) => ({
  connection: client.state,
  appInfo: null,
  appInfoError: null,
  setConnection: (connection) => set({ connection }),
  loadAppInfo: async () => {
    try {
      set({ appInfo: await client.send('app-info', {}), appInfoError: null });
    } catch (err) {
      set({ appInfoError: errorMessage(err) });
    }
  },
});
