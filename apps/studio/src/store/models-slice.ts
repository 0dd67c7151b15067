import { DEFAULT_MODEL, type BaseModelInfo, type ModelEvents, type ModelSourceArgs } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import type { StudioState } from './index';

export type DownloadProgress = ModelEvents['model-download-progress'];

/** The base-model library (Models screen) and the base model of the open project (Train form's picker). */
export interface ModelsSlice {
  models: BaseModelInfo[];
  modelsLoaded: boolean;
  modelsError: string | null;
  addingModel: boolean;
  addModelError: string | null;
  /** The hub download under way (or the last one, until the next add starts). */
  download: DownloadProgress | null;
  /** The open project's base model name: 'default' or a library name; null until known. */
  projectBaseModel: string | null;
  projectBaseModelDir: string | null;
  projectBaseModelError: string | null;
  settingBaseModel: boolean;

  loadModels(): Promise<void>;
  /** Resolves true when the model was added; the error sentence is in addModelError otherwise. */
  addModel(source: ModelSourceArgs, name?: string): Promise<boolean>;
  downloadProgressed(progress: DownloadProgress): void;
  loadProjectBaseModel(dir: string): Promise<void>;
  setProjectBaseModel(dir: string, name: string): Promise<void>;
}

export const createModelsSlice: StateCreator<StudioState, [], [], ModelsSlice> = (set, get) => ({
  models: [],
  modelsLoaded: false,
  modelsError: null,
  addingModel: false,
  addModelError: null,
  download: null,
  projectBaseModel: null,
  projectBaseModelDir: null,
  projectBaseModelError: null,
  settingBaseModel: false,

  loadModels: async () => {
    try {
      const models = await client.send('model-list', {});
      set({ models, modelsLoaded: true, modelsError: null });
    } catch (err) {
      set({ modelsError: errorMessage(err), modelsLoaded: true });
    }
  },

  addModel: async (source, name) => {
    set({ addingModel: true, addModelError: null, download: null });
    try {
      await client.send('model-add', { source, ...(name ? { name } : {}) });
      set({ addingModel: false });
      await get().loadModels();
      return true;
    } catch (err) {
      set({ addingModel: false, addModelError: errorMessage(err) });
      return false;
    }
  },

  downloadProgressed: (progress) => {
    // Events reach every window; the bar belongs to the form that asked for this download.
    if (get().addingModel) set({ download: progress });
  },

  loadProjectBaseModel: async (dir) => {
    if (get().projectBaseModelDir !== dir) set({ projectBaseModelDir: dir, projectBaseModel: null, projectBaseModelError: null });
    try {
      const { baseModel } = await client.send('model-project-get', { dir });
      if (get().projectBaseModelDir === dir) set({ projectBaseModel: baseModel, projectBaseModelError: null });
    } catch (err) {
      if (get().projectBaseModelDir === dir) set({ projectBaseModelError: errorMessage(err) });
    }
  },

  setProjectBaseModel: async (dir, name) => {
    set({ settingBaseModel: true, projectBaseModelError: null });
    try {
      const { baseModel } = await client.send('model-project-set', { dir, name: name || DEFAULT_MODEL });
      if (get().projectBaseModelDir === dir) set({ projectBaseModel: baseModel });
    } catch (err) {
      if (get().projectBaseModelDir === dir) set({ projectBaseModelError: errorMessage(err) });
    } finally {
      set({ settingBaseModel: false });
    }
  },
});
