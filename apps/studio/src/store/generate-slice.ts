import type { GeneratedImage, Handlers, ServerEvents } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import type { Progress } from './compare-slice';
import type { StudioState } from './index';

export type GenerateRequest = Omit<Parameters<Handlers['generate-images']>[0], 'dir'>;

/** The Generate view: a batch in progress, its warning, and every image made in the project (newest first). */
export interface GenerateSlice {
  generateDir: string | null;
  generateHistory: GeneratedImage[];
  historyLoaded: boolean;
  generating: boolean;
  generateProgress: Progress | null;
  generateError: string | null;
  /** The services' warning about the last batch (LoRA scale above 1.0), or null. */
  generateWarning: string | null;
  /** The ids of the last batch, highlighted in the history. */
  lastBatch: number[];

  openGenerate(dir: string): Promise<void>;
  generate(request: GenerateRequest): Promise<void>;
  generateProgressed(event: ServerEvents['generate-progress']): void;
}

export const createGenerateSlice: StateCreator<StudioState, [], [], GenerateSlice> = (set, get) => ({
  generateDir: null,
  generateHistory: [],
  historyLoaded: false,
  generating: false,
  generateProgress: null,
  generateError: null,
  generateWarning: null,
  lastBatch: [],

  openGenerate: async (dir) => {
    if (get().generateDir !== dir) {
      set({ generateDir: dir, generateHistory: [], historyLoaded: false, generating: false, generateProgress: null, generateError: null, generateWarning: null, lastBatch: [] });
    }
    try {
      const history = await client.send('generate-history', { dir });
      if (get().generateDir === dir) set({ generateHistory: history, historyLoaded: true });
    } catch (err) {
      if (get().generateDir === dir) set({ generateError: errorMessage(err), historyLoaded: true });
    }
  },

  generate: async (request) => {
    const dir = get().generateDir;
    if (!dir || get().generating) return;
    set({ generating: true, generateProgress: { done: 0, total: request.batch ?? 1 }, generateError: null, generateWarning: null });
    try {
      const { images, warning } = await client.send('generate-images', { dir, ...request });
      if (get().generateDir !== dir) return;
      const made = new Set(images.map((i) => i.id));
      // Newest first, like the history the services keep.
      const newest = [...images].reverse();
      set({
        generating: false, generateWarning: warning, lastBatch: [...made],
        generateHistory: [...newest, ...get().generateHistory.filter((i) => !made.has(i.id))],
      });
    } catch (err) {
      if (get().generateDir === dir) set({ generating: false, generateError: errorMessage(err) });
    }
  },

  generateProgressed: ({ dir, done, total }) => {
    if (get().generateDir === dir && get().generating) set({ generateProgress: { done, total } });
  },
});
