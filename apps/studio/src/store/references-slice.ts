import type { DatasetImage, ImageReference } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import type { StudioState } from './index';

/** The selected image's reference images (edit LoRAs): the Dataset view's reference slots. */
export interface ReferencesSlice {
  /** Whose references `references` holds; null before any image is looked at. */
  referencesOf: number | null;
  references: ImageReference[];
  referencesBusy: boolean;
  referencesError: string | null;

  /** The project's images Generate offers as reference pictures (by name), for `referenceChoicesDir`. */
  referenceChoices: DatasetImage[];
  referenceChoicesDir: string | null;

  loadReferences(imageId: number): Promise<void>;
  loadReferenceChoices(dir: string): Promise<void>;
  /** A copy of project image `fromImage` into `imageId`'s slot (0–2): a thumbnail dropped onto the slot. */
  setReference(imageId: number, slot: number, fromImage: number): Promise<void>;
  clearReference(imageId: number, slot: number): Promise<void>;
}

export const createReferencesSlice: StateCreator<StudioState, [], [], ReferencesSlice> = (set, get) => {
  /** Runs one request for image `imageId`; a late answer for an image no longer shown is dropped. */
  const request = async (imageId: number, send: (dir: string) => Promise<ImageReference[]>) => {
    const dir = get().datasetDir;
    if (!dir) return;
    set({ referencesBusy: true, referencesError: null, ...(get().referencesOf === imageId ? {} : { referencesOf: imageId, references: [] }) });
    try {
      const list = await send(dir);
      if (get().referencesOf === imageId) set({ references: list });
    } catch (err) {
      if (get().referencesOf === imageId) set({ referencesError: errorMessage(err) });
    } finally {
      if (get().referencesOf === imageId) set({ referencesBusy: false });
    }
  };
  return {
    referencesOf: null,
    references: [],
    referencesBusy: false,
    referencesError: null,
    referenceChoices: [],
    referenceChoicesDir: null,
    loadReferenceChoices: async (dir) => {
      if (get().referenceChoicesDir !== dir) set({ referenceChoicesDir: dir, referenceChoices: [] });
      try {
        const images = await client.send('images-list', { dir, sort: 'name' });
        if (get().referenceChoicesDir === dir) set({ referenceChoices: images });
      } catch {
        // Without the list Generate simply offers no references; the Dataset view says what is wrong with the project.
      }
    },
    loadReferences: (imageId) => request(imageId, (dir) => client.send('references-list', { dir, id: imageId })),
    setReference: (imageId, slot, fromImage) => request(imageId, (dir) => client.send('references-set', { dir, id: imageId, slot, fromImage })),
    clearReference: (imageId, slot) => request(imageId, (dir) => client.send('references-clear', { dir, id: imageId, slot })),
  };
};
