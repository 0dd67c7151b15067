import type { RunDetail, RunSummary, ServerEvents } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import { defaultPick } from '../screens/compare/run-choice';
import type { StudioState } from './index';

/**
 * The run whose checkpoints Compare, Generate and Export work with. One pick shared by the three views, so the
 * favourite marked under the grid is the checkpoint Export proposes, without choosing the run again.
 */
export interface PickedRunSlice {
  pickDir: string | null;
  pickRuns: RunSummary[];
  pickRunsLoaded: boolean;
  pickError: string | null;
  pickedRunId: number | null;
  /** The picked run with its checkpoints (favourite marked); null while it loads. */
  pickedRun: RunDetail | null;
  favouriteSaving: boolean;
  favouriteError: string | null;

  /** Loads the project's runs and picks one (the one picked before, else the newest finished run). */
  openPickedRuns(dir: string): Promise<void>;
  pickRun(runId: number): Promise<void>;
  markFavourite(step: number): Promise<void>;
  pickedRunChanged(event: ServerEvents['run-changed']): void;
  pickedRunCheckpoint(event: ServerEvents['run-checkpoint']): void;
}

export const createPickedRunSlice: StateCreator<StudioState, [], [], PickedRunSlice> = (set, get) => {
  let pickSeq = 0;

  return {
    pickDir: null,
    pickRuns: [],
    pickRunsLoaded: false,
    pickError: null,
    pickedRunId: null,
    pickedRun: null,
    favouriteSaving: false,
    favouriteError: null,

    openPickedRuns: async (dir) => {
      if (get().pickDir !== dir) {
        set({ pickDir: dir, pickRuns: [], pickRunsLoaded: false, pickError: null, pickedRunId: null, pickedRun: null, favouriteError: null });
      }
      try {
        const runs = await client.send('run-list', { dir });
        if (get().pickDir !== dir) return;
        set({ pickRuns: runs, pickRunsLoaded: true, pickError: null });
        const kept = runs.find((r) => r.id === get().pickedRunId);
        const pick = kept ?? defaultPick(runs);
        if (pick) await get().pickRun(pick.id);
      } catch (err) {
        if (get().pickDir === dir) set({ pickError: errorMessage(err), pickRunsLoaded: true });
      }
    },

    pickRun: async (runId) => {
      const dir = get().pickDir;
      if (!dir) return;
      const seq = ++pickSeq;
      if (get().pickedRunId !== runId) set({ pickedRunId: runId, pickedRun: null, favouriteError: null });
      try {
        const detail = await client.send('run-get', { dir, runId });
        if (seq === pickSeq) set({ pickedRun: detail, pickError: null });
      } catch (err) {
        if (seq === pickSeq) set({ pickError: errorMessage(err) });
      }
    },

    markFavourite: async (step) => {
      const { pickDir: dir, pickedRunId: runId } = get();
      if (!dir || runId === null || get().favouriteSaving) return;
      set({ favouriteSaving: true, favouriteError: null });
      try {
        const detail = await client.send('run-favourite', { dir, runId, step });
        if (get().pickedRunId === runId) set({ pickedRun: detail });
        set({ favouriteSaving: false });
      } catch (err) {
        set({ favouriteSaving: false, favouriteError: errorMessage(err) });
      }
    },

    pickedRunChanged: ({ dir, runId, run }) => {
      if (get().pickDir !== dir) return;
      const runs = get().pickRuns;
      set({ pickRuns: runs.some((r) => r.id === runId) ? runs.map((r) => (r.id === runId ? run : r)) : [run, ...runs] });
      const detail = get().pickedRun;
      if (detail && detail.id === runId) set({ pickedRun: { ...detail, ...run } });
    },

    pickedRunCheckpoint: ({ dir, runId, checkpoint }) => {
      const detail = get().pickedRun;
      if (get().pickDir !== dir || !detail || detail.id !== runId) return;
      set({ pickedRun: { ...detail, checkpoints: [...detail.checkpoints.filter((c) => c.step !== checkpoint.step), checkpoint] } });
    },
  };
};
