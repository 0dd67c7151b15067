import { z } from 'zod';
import { projectDirSchema } from './projects';
import { trainingOverridesSchema, type TrainingSettings } from './training-settings';
import { runOnSchema, type RunPlacement } from './compute';

/** The base-model id of the small embedded default model (every other base is a model folder). */
export const DEFAULT_BASE_MODEL = 'default';

export type RunStatus = 'queued' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed' | 'interrupted';

export interface RunSummary {
  id: number;
  name: string;
  status: RunStatus;
  /** Why it failed or was interrupted, in words the user can act on. */
  message: string | null;
  baseModel: string;
  step: number;
  totalSteps: number;
  finalLoss: number | null;
  bestCheckpointStep: number | null;
  createdAt: string;
  updatedAt: string;
  /** Where it trains: this machine, or the run queue (its place in line while queued, then its worker). */
  where: RunPlacement;
}

export interface RunCheckpoint {
  step: number;
  /** Relative to the project folder. */
  file: string;
  favourite: boolean;
  createdAt: string;
}

export interface RunSample {
  step: number;
  prompt: string;
  seed: number;
  /** Relative to the project folder. */
  file: string;
  requested: boolean;
}

export interface RunDetail extends RunSummary {
  config: TrainingSettings;
  checkpoints: RunCheckpoint[];
  samples: RunSample[];
  alerts: RunAlert[];
}

export interface RunAlert {
  kind: 'plateau' | 'rise';
  step: number;
  message: string;
}

export interface MetricPoint {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number | null;
  stepMs: number | null;
  /** Extra figures of the live step (smoothed loss, samples/s, memory), absent for stored history. */
  smoothedLoss?: number;
  samplesPerSecond?: number;
  memoryMb?: number;
}

export interface PreflightProblem {
  id: string;
  message: string;
}

export interface PreflightReport {
  /** Blocking: training cannot start until these are fixed. */
  errors: PreflightProblem[];
  warnings: PreflightProblem[];
  /** The settings a run would use now: the preset with the user's overrides applied. */
  settings: TrainingSettings | null;
  /** Why the preset chose what it chose, one line per field (steps = images × …, lr by type …). */
  reasoning: Record<string, string>;
  imageCount: number;
  device: { label: string; memoryMb: number };
  estimate: { memoryMb: number; diskMb: number; diskFreeMb: number };
}

const runRef = z.object({ dir: projectDirSchema, runId: z.number().int().positive() }).strict();

export const runArgs = {
  'run-preflight': z.object({ dir: projectDirSchema, overrides: trainingOverridesSchema.optional() }).strict(),
  /** runOn: where to train; absent = as Settings → Compute says. */
  'run-start': z.object({ dir: projectDirSchema, name: z.string().trim().min(1).max(120).optional(), overrides: trainingOverridesSchema.optional(), runOn: runOnSchema.optional() }).strict(),
  'run-list': z.object({ dir: projectDirSchema }).strict(),
  'run-get': runRef,
  'run-metrics': runRef.extend({ afterStep: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(200_000).optional() }).strict(),
  'run-pause': runRef,
  'run-resume': runRef,
  'run-stop': runRef,
  'run-save-checkpoint': runRef,
  'run-sample-now': runRef.extend({ prompt: z.string().trim().min(1).max(1000), seed: z.number().int().min(0).optional() }).strict(),
  'run-favourite': runRef.extend({ step: z.number().int().min(0) }).strict(),
};

type Args<K extends keyof typeof runArgs> = z.infer<(typeof runArgs)[K]>;

export type RunsHandlers = {
  'run-preflight': (args: Args<'run-preflight'>) => Promise<PreflightReport>;
  /** Starts at once, or queues behind the run already using the device. Refused when preflight has errors. */
  'run-start': (args: Args<'run-start'>) => Promise<RunSummary>;
  'run-list': (args: Args<'run-list'>) => Promise<RunSummary[]>;
  'run-get': (args: Args<'run-get'>) => Promise<RunDetail>;
  /** Stored metrics after `afterStep` (all by default), oldest first. */
  'run-metrics': (args: Args<'run-metrics'>) => Promise<MetricPoint[]>;
  'run-pause': (args: Args<'run-pause'>) => Promise<RunSummary>;
  /** Continues a paused run, or an interrupted/stopped one from its last checkpoint. */
  'run-resume': (args: Args<'run-resume'>) => Promise<RunSummary>;
  'run-stop': (args: Args<'run-stop'>) => Promise<RunSummary>;
  'run-save-checkpoint': (args: Args<'run-save-checkpoint'>) => Promise<RunSummary>;
  'run-sample-now': (args: Args<'run-sample-now'>) => Promise<RunSummary>;
  'run-favourite': (args: Args<'run-favourite'>) => Promise<RunDetail>;
};

/** Pushed while runs progress; metrics arrive in small batches (at most a few per second). */
export interface RunEvents {
  'run-metrics': { dir: string; runId: number; points: MetricPoint[] };
  'run-changed': { dir: string; runId: number; run: RunSummary };
  'run-checkpoint': { dir: string; runId: number; checkpoint: RunCheckpoint };
  'run-sample': { dir: string; runId: number; sample: RunSample };
  'run-alert': { dir: string; runId: number; alert: RunAlert };
  /** Before the first step: what the worker is getting ready (a few updates a second at most). */
  'run-preparing': { dir: string; runId: number; preparing: RunPreparing };
}

export interface RunPreparing {
  stage: 'model' | 'dataset' | 'prior' | 'encoding' | 'compiling';
  done?: number;
  total?: number;
}
