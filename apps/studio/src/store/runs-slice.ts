import type { MetricPoint, PreflightReport, RunDetail, RunOn, RunPreparing, RunStatus, RunSummary, ServerEvents, TrainingOverrides } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import { appendPoints } from '../screens/train/loss-series';
import type { StudioState } from './index';

export type RunActionKind = 'pause' | 'resume' | 'stop' | 'save' | 'sample';

/** A run the worker still holds (or will): the live page and its controls apply. */
export const activeStatuses: readonly RunStatus[] = ['queued', 'running', 'paused'];

/** The Train section of the open project: its runs, the run on screen with its curve, and the preflight for a new one. */
export interface RunsSlice {
  runsDir: string | null;
  runs: RunSummary[];
  runsLoaded: boolean;
  runsError: string | null;
  /** The run on screen; null shows the form for a new run. */
  openRunId: number | null;
  runDetail: RunDetail | null;
  /** Every stored and live step of the open run, in step order (the chart thins them, not the store). */
  runMetrics: MetricPoint[];
  /** The latest live step (memory, speed): stored history does not keep these figures. */
  lastLivePoint: MetricPoint | null;
  /** What the open run's worker is getting ready before its first step; null once steps arrive. */
  runPreparing: RunPreparing | null;
  /** One control action at a time, until the run shows it happened. */
  pendingRunAction: RunActionKind | null;
  runActionError: string | null;
  preflight: PreflightReport | null;
  preflightChecking: boolean;
  preflightError: string | null;
  startingRun: boolean;
  startRunError: string | null;

  openRuns(dir: string): Promise<void>;
  /** Shows a run (its curve, samples, controls), or the new-run form for null. */
  showRun(runId: number | null): Promise<void>;
  checkPreflight(overrides: TrainingOverrides): Promise<void>;
  /** runOn: the Train form's "Run on"; absent, the services follow Settings → Compute. */
  startRun(overrides: TrainingOverrides, name?: string, runOn?: RunOn): Promise<void>;
  runAction(kind: RunActionKind, sample?: { prompt: string; seed?: number }): Promise<void>;
  /** After a reconnect: the list, and the open run's steps since the last one here. */
  refreshRuns(): Promise<void>;
  runChanged(event: ServerEvents['run-changed']): void;
  runMetricsArrived(event: ServerEvents['run-metrics']): void;
  runCheckpointSaved(event: ServerEvents['run-checkpoint']): void;
  runSampleWritten(event: ServerEvents['run-sample']): void;
  runAlertRaised(event: ServerEvents['run-alert']): void;
  runPreparingChanged(event: ServerEvents['run-preparing']): void;
}

/** Whether a status change completes the pending action (the worker acts at its next step, not at once). */
function actionDone(kind: RunActionKind, status: RunStatus): boolean {
  if (!activeStatuses.includes(status)) return true;
  if (kind === 'pause') return status === 'paused';
  if (kind === 'resume') return status === 'running';
  return false;
}

export const createRunsSlice: StateCreator<StudioState, [], [], RunsSlice> = (set, get) => {
  let preflightSeq = 0;
  let showSeq = 0;

  const isOpen = (dir: string, runId: number) => get().runsDir === dir && get().openRunId === runId;

  const loadList = async (dir: string) => {
    try {
      const runs = await client.send('run-list', { dir });
      if (get().runsDir === dir) set({ runs, runsLoaded: true, runsError: null });
      return runs;
    } catch (err) {
      if (get().runsDir === dir) set({ runsError: errorMessage(err), runsLoaded: true });
      return null;
    }
  };

  return {
    runsDir: null,
    runs: [],
    runsLoaded: false,
    runsError: null,
    openRunId: null,
    runDetail: null,
    runMetrics: [],
    lastLivePoint: null,
    runPreparing: null,
    pendingRunAction: null,
    runActionError: null,
    preflight: null,
    preflightChecking: false,
    preflightError: null,
    startingRun: false,
    startRunError: null,

    openRuns: async (dir) => {
      if (get().runsDir !== dir) {
        set({ runsDir: dir, runs: [], runsLoaded: false, runsError: null, openRunId: null, runDetail: null, runMetrics: [], lastLivePoint: null, runPreparing: null, preflight: null, preflightError: null, startRunError: null, pendingRunAction: null, runActionError: null });
      }
      const runs = await loadList(dir);
      if (!runs || get().runsDir !== dir || get().openRunId !== null) return;
      // Reopening a project shows its run in progress, else its latest one; a project without runs shows the form.
      const shown = runs.find((r) => activeStatuses.includes(r.status)) ?? runs[0];
      if (shown) await get().showRun(shown.id);
    },

    showRun: async (runId) => {
      const dir = get().runsDir;
      const seq = ++showSeq;
      set({ openRunId: runId, runDetail: null, runMetrics: [], lastLivePoint: null, runPreparing: null, pendingRunAction: null, runActionError: null });
      if (!dir || runId === null) return;
      try {
        const [detail, metrics] = await Promise.all([client.send('run-get', { dir, runId }), client.send('run-metrics', { dir, runId })]);
        if (seq !== showSeq) return;
        // Steps pushed while the history was on its way are kept.
        set({ runDetail: detail, runMetrics: appendPoints(metrics, get().runMetrics.filter((p) => p.step > (metrics.at(-1)?.step ?? 0))) });
      } catch (err) {
        if (seq === showSeq) set({ runActionError: errorMessage(err) });
      }
    },

    checkPreflight: async (overrides) => {
      const dir = get().runsDir;
      if (!dir) return;
      const seq = ++preflightSeq;
      set({ preflightChecking: true });
      try {
        const report = await client.send('run-preflight', { dir, overrides });
        if (seq === preflightSeq && get().runsDir === dir) set({ preflight: report, preflightError: null, preflightChecking: false });
      } catch (err) {
        if (seq === preflightSeq) set({ preflightError: errorMessage(err), preflightChecking: false });
      }
    },

    startRun: async (overrides, name, runOn) => {
      const dir = get().runsDir;
      if (!dir || get().startingRun) return;
      set({ startingRun: true, startRunError: null });
      try {
        const run = await client.send('run-start', { dir, overrides, ...(name ? { name } : {}), ...(runOn ? { runOn } : {}) });
        if (get().runsDir !== dir) return;
        set({ runs: [run, ...get().runs.filter((r) => r.id !== run.id)], startingRun: false });
        await get().showRun(run.id);
      } catch (err) {
        set({ startingRun: false, startRunError: errorMessage(err) });
      }
    },

    runAction: async (kind, sample) => {
      const { runsDir: dir, openRunId: runId, pendingRunAction } = get();
      if (!dir || runId === null || pendingRunAction) return;
      set({ pendingRunAction: kind, runActionError: null });
      try {
        const args = { dir, runId };
        const run =
          kind === 'pause'
            ? await client.send('run-pause', args)
            : kind === 'resume'
              ? await client.send('run-resume', args)
              : kind === 'stop'
                ? await client.send('run-stop', args)
                : kind === 'save'
                  ? await client.send('run-save-checkpoint', args)
                  : await client.send('run-sample-now', { ...args, prompt: sample?.prompt ?? '', ...(sample?.seed !== undefined ? { seed: sample.seed } : {}) });
        get().runChanged({ dir, runId, run });
      } catch (err) {
        if (isOpen(dir, runId)) set({ pendingRunAction: null, runActionError: errorMessage(err) });
      }
    },

    refreshRuns: async () => {
      const dir = get().runsDir;
      if (!dir) return;
      await loadList(dir);
      const runId = get().openRunId;
      if (runId === null) return;
      try {
        const after = get().runMetrics.at(-1)?.step;
        const [detail, metrics] = await Promise.all([
          client.send('run-get', { dir, runId }),
          client.send('run-metrics', { dir, runId, ...(after !== undefined ? { afterStep: after } : {}) }),
        ]);
        if (!isOpen(dir, runId)) return;
        set({ runDetail: detail, runMetrics: appendPoints(get().runMetrics, metrics) });
        get().runChanged({ dir, runId, run: detail });
      } catch {
        // The next event or reconnect tries again; the page keeps what it has.
      }
    },

    runChanged: ({ dir, runId, run }) => {
      if (get().runsDir !== dir) return;
      const runs = get().runs;
      const known = runs.some((r) => r.id === runId);
      set({ runs: known ? runs.map((r) => (r.id === runId ? run : r)) : [run, ...runs].sort((a, b) => b.id - a.id) });
      if (get().openRunId !== runId) return;
      const detail = get().runDetail;
      const pending = get().pendingRunAction;
      set({
        ...(detail ? { runDetail: { ...detail, ...run } } : {}),
        ...(pending && actionDone(pending, run.status) ? { pendingRunAction: null } : {}),
      });
    },

    runMetricsArrived: ({ dir, runId, points }) => {
      if (get().runsDir !== dir || points.length === 0) return;
      // The run list's card follows the live steps too, as the server's row does (step and last loss per batch).
      const last = points[points.length - 1]!;
      set({ runs: get().runs.map((r) => (r.id === runId ? { ...r, step: last.step, finalLoss: last.loss } : r)) });
      if (!isOpen(dir, runId)) return;
      set({ runMetrics: appendPoints(get().runMetrics, points), lastLivePoint: last, runPreparing: null });
    },

    runCheckpointSaved: ({ dir, runId, checkpoint }) => {
      if (!isOpen(dir, runId)) return;
      const detail = get().runDetail;
      if (detail) set({ runDetail: { ...detail, checkpoints: [...detail.checkpoints.filter((c) => c.step !== checkpoint.step), checkpoint] } });
      if (get().pendingRunAction === 'save') set({ pendingRunAction: null });
    },

    runSampleWritten: ({ dir, runId, sample }) => {
      if (!isOpen(dir, runId)) return;
      const detail = get().runDetail;
      if (detail) set({ runDetail: { ...detail, samples: [...detail.samples.filter((s) => s.file !== sample.file), sample] } });
      if (sample.requested && get().pendingRunAction === 'sample') set({ pendingRunAction: null });
    },

    runAlertRaised: ({ dir, runId, alert }) => {
      if (!isOpen(dir, runId)) return;
      const detail = get().runDetail;
      if (detail) set({ runDetail: { ...detail, alerts: [...detail.alerts, alert] } });
    },

    runPreparingChanged: ({ dir, runId, preparing }) => {
      if (isOpen(dir, runId)) set({ runPreparing: preparing });
    },
  };
};
