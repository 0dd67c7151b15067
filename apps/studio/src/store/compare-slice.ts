import type { CompareGridCell, CompareScores, RunDetail, ServerEvents } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import { cellIndex, defaultGridSettings, gridProblem, planGrid, reconcileSettings, scalesOf, type GridPlan, type GridSettings } from '../screens/compare/grid-plan';
import { loadSavedGrid, saveGrid } from '../screens/compare/saved-grids';
import type { StudioState } from './index';

export interface Progress {
  done: number;
  total: number;
}

/** The Compare view of the picked run: its grid set-up, the cells as they arrive, and the checkpoint scores. */
export interface CompareSlice {
  /** Which run (dir + id) the set-up, grid and scores below belong to. */
  compareFor: { dir: string; runId: number } | null;
  gridSettings: GridSettings | null;
  /** The project's "5 wild prompts" preset, as the services wrote it. */
  wildPrompts: string[] | null;
  gridPlan: GridPlan | null;
  /** In plan order (row-major); null until the cell is rendered. */
  gridCells: (CompareGridCell | null)[];
  gridProgress: Progress | null;
  gridRendering: boolean;
  gridError: string | null;
  compareScores: CompareScores | null;
  scoring: boolean;
  scoreProgress: Progress | null;
  scoresError: string | null;

  /** Sets up the grid for a run: the grid last rendered for it (asked again: the cache answers), else the preset. */
  prepareCompare(dir: string, run: RunDetail): Promise<void>;
  editGrid(patch: Partial<GridSettings>): void;
  /** Puts the preset's five prompts back in the prompt list. */
  resetToWildPrompts(): void;
  renderGrid(): Promise<void>;
  scoreCheckpoints(): Promise<void>;
  compareProgressed(event: ServerEvents['compare-progress']): void;
}

export const createCompareSlice: StateCreator<StudioState, [], [], CompareSlice> = (set, get) => {
  let gridSeq = 0;
  const isFor = (dir: string, runId: number) => get().compareFor?.dir === dir && get().compareFor?.runId === runId;

  return {
    compareFor: null,
    gridSettings: null,
    wildPrompts: null,
    gridPlan: null,
    gridCells: [],
    gridProgress: null,
    gridRendering: false,
    gridError: null,
    compareScores: null,
    scoring: false,
    scoreProgress: null,
    scoresError: null,

    prepareCompare: async (dir, run) => {
      if (isFor(dir, run.id)) return;
      const sameProject = get().compareFor?.dir === dir;
      gridSeq++;
      set({
        compareFor: { dir, runId: run.id }, gridSettings: null, gridPlan: null, gridCells: [], gridProgress: null, gridRendering: false, gridError: null,
        compareScores: null, scoring: false, scoreProgress: null, scoresError: null, ...(sameProject ? {} : { wildPrompts: null }),
      });
      const saved = loadSavedGrid(dir, run.id);
      try {
        const [wild, scores] = await Promise.all([
          get().wildPrompts ?? client.send('compare-wild-prompts', { dir }).then((r) => r.prompts),
          client.send('compare-scores', { dir, runId: run.id }),
        ]);
        if (!isFor(dir, run.id)) return;
        set({ wildPrompts: wild, compareScores: scores, gridSettings: saved ? reconcileSettings(saved, run) : defaultGridSettings(run, wild) });
      } catch (err) {
        if (!isFor(dir, run.id)) return;
        set({ gridError: errorMessage(err), gridSettings: saved ? reconcileSettings(saved, run) : defaultGridSettings(run, []) });
      }
      if (saved && gridProblem(get().gridSettings!) === null) await get().renderGrid();
    },

    editGrid: (patch) => {
      const settings = get().gridSettings;
      if (settings) set({ gridSettings: { ...settings, ...patch } });
    },

    resetToWildPrompts: () => {
      const wild = get().wildPrompts;
      if (wild) get().editGrid({ prompts: [...wild] });
    },

    renderGrid: async () => {
      const target = get().compareFor;
      const settings = get().gridSettings;
      if (!target || !settings || get().gridRendering) return;
      const problem = gridProblem(settings);
      if (problem) {
        set({ gridError: problem });
        return;
      }
      const seq = ++gridSeq;
      const plan = planGrid(target.runId, settings);
      const total = plan.prompts.length * plan.columns.length;
      set({ gridPlan: plan, gridCells: new Array<CompareGridCell | null>(total).fill(null), gridProgress: { done: 0, total }, gridRendering: true, gridError: null });
      saveGrid(target.dir, target.runId, settings);
      try {
        const grid = await client.send('compare-grid', {
          dir: target.dir, runId: target.runId, prompts: plan.prompts, checkpoints: [...settings.checkpoints].sort((a, b) => a - b),
          scales: scalesOf(settings), seed: settings.seed, steps: settings.samplerSteps, includeBase: settings.includeBase,
          ...(settings.ema ? { weights: 'ema' as const } : {}),
          ...(settings.references?.length ? { references: settings.references } : {}),
        });
        if (seq !== gridSeq) return;
        const cells = new Array<CompareGridCell | null>(total).fill(null);
        for (const cell of grid.cells) {
          const at = cellIndex(plan, cell);
          if (at >= 0) cells[at] = cell;
        }
        set({ gridCells: cells, gridProgress: { done: total, total }, gridRendering: false });
      } catch (err) {
        if (seq === gridSeq) set({ gridRendering: false, gridError: errorMessage(err) });
      }
    },

    scoreCheckpoints: async () => {
      const target = get().compareFor;
      if (!target || get().scoring) return;
      set({ scoring: true, scoreProgress: null, scoresError: null });
      try {
        const scores = await client.send('compare-score', { dir: target.dir, runId: target.runId });
        if (isFor(target.dir, target.runId)) set({ compareScores: scores, scoring: false });
      } catch (err) {
        if (isFor(target.dir, target.runId)) set({ scoring: false, scoresError: errorMessage(err) });
      }
    },

    compareProgressed: ({ dir, runId, purpose, done, total, cell }) => {
      if (!isFor(dir, runId)) return;
      if (purpose === 'score') {
        if (get().scoring) set({ scoreProgress: { done, total } });
        return;
      }
      const plan = get().gridPlan;
      if (!plan || !get().gridRendering) return;
      const at = cellIndex(plan, cell);
      if (at < 0) return;
      const cells = get().gridCells.slice();
      cells[at] = cell;
      set({ gridCells: cells, gridProgress: { done, total } });
    },
  };
};
