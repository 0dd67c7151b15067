import { ApiFailure, DEFAULT_BASE_MODEL, type PreflightProblem, type RunsHandlers, type TrainingOverrides } from '@lora-studio/api';
import { describeModel } from '@lora-studio/models/model-library';
import type { ProjectStore } from '@lora-studio/store';
import type { StudioContext } from '../context';
import { requireProject } from '../project-access';
import { projectBase } from './project-base';
import type { ComputeRouter } from '../runs/compute-router';
import { preflight } from '../runs/preflight';
import { RunRows } from '../runs/run-rows';

export function runsHandlers(ctx: StudioContext, runs: ComputeRouter): RunsHandlers {
  /** Every project-scoped run handler first settles runs a crash left "running". */
  const open = (dir: string): ProjectStore => {
    const store = requireProject(ctx, dir);
    runs.reconcile(store);
    return store;
  };
  const existing = (store: ProjectStore, runId: number) => {
    const rows = new RunRows(store);
    if (!rows.row(runId)) throw new ApiFailure('not-found', `There is no run ${runId} in this project.`);
    return rows;
  };

  /** Distilled checkpoints train, but worse than their base: said before the run, not after it. */
  const distilledWarning = (base: string): PreflightProblem[] => {
    if (base === DEFAULT_BASE_MODEL) return [];
    const { training, label } = describeModel(base);
    if (training !== 'distilled' && training !== 'guidance-distilled') return [];
    return [{
      id: 'base-distilled',
      message: `${label} is ${training === 'distilled' ? 'a step-distilled' : 'a guidance-distilled'} checkpoint, made for fast inference. LoRAs train better on the base checkpoints (FLUX.2 [klein] base 4B / 9B) and then run on the distilled model.`,
    }];
  };
  const check = async (store: ProjectStore, overrides: TrainingOverrides | undefined) => {
    const base = projectBase(ctx, store);
    const report = await preflight(store, overrides, base);
    return { base, report: { ...report, warnings: [...distilledWarning(base), ...report.warnings] } };
  };

  return {
    'run-preflight': async ({ dir, overrides }) => (await check(open(dir), overrides)).report,
    'run-start': async ({ dir, name, overrides, runOn }) => {
      const store = open(dir);
      const { base, report: checked } = await check(store, overrides);
      // On the queue, memory is each worker's to judge (one that cannot fit the run refuses it with the reason).
      const report = runs.targetFor(runOn) === 'queue' ? { ...checked, errors: checked.errors.filter((e) => e.id !== 'memory') } : checked;
      if (report.errors.length > 0 || !report.settings) {
        throw new ApiFailure('invalid-request', `Training cannot start: ${report.errors.map((e) => e.message).join(' ')}`, { errors: report.errors });
      }
      const count = new RunRows(store).list().length;
      return runs.start(store, name ?? `Run ${count + 1}`, report.settings, overrides ?? {}, base, runOn);
    },
    'run-list': async ({ dir }) => new RunRows(open(dir)).list(),
    'run-get': async ({ dir, runId }) => existing(open(dir), runId).detail(runId)!,
    'run-metrics': async ({ dir, runId, afterStep, limit }) => existing(open(dir), runId).metrics(runId, afterStep ?? -1, limit),
    'run-pause': async ({ dir, runId }) => runs.pause(open(dir), runId),
    'run-resume': async ({ dir, runId }) => {
      const store = open(dir);
      existing(store, runId);
      return runs.resume(store, runId);
    },
    'run-stop': async ({ dir, runId }) => runs.stop(open(dir), runId),
    'run-save-checkpoint': async ({ dir, runId }) => runs.saveCheckpoint(open(dir), runId),
    'run-sample-now': async ({ dir, runId, prompt, seed }) => runs.sampleNow(open(dir), runId, prompt, seed),
    'run-favourite': async ({ dir, runId, step }) => {
      const rows = existing(open(dir), runId);
      if (!rows.setFavourite(runId, step)) throw new ApiFailure('not-found', `Run ${runId} has no checkpoint at step ${step}.`);
      return rows.detail(runId)!;
    },
  };
}
