// Everything before the first step: base model, dataset, config from the preset + the user's values, and every
// check that can fail (TrainingSetupError lists them all) — so a run never dies a minute in on a bad input.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BaseModel } from './base-model/base-model';
import { readBaseModelShape, type BaseModelShape } from './base-model/base-model-shape';
import { defaultModelDir } from '@lora-studio/models';
import { loadBaseModel } from './base-model/load-base-model';
import { isLoraType, type LoraType, type TrainingConfig } from './config';
import { loadDataset, type Dataset } from './data/dataset';
import { datasetProblems } from './data/preflight';
import { priorCaptions } from './data/prior-images';
import { presetConfig } from './presets';
import { readRunDescription, runPaths, type RunDescription } from './run-folder';
import { TrainingSetupError } from './setup-error';
import { configProblems } from './validate-config';
import { assertFolderCanBeMade } from '@lora-studio/store';
import { DEFAULT_BASE_MODEL } from '@lora-studio/api';

export interface TrainRequest {
  /** A project folder or a folder of images with .txt captions. */
  dataset: string;
  /** 'default' (the embedded model) or a model folder. */
  base: string;
  runDir: string;
  /** Defaults to the project's type and trigger. */
  type?: LoraType;
  trigger?: string;
  /** Values the user set; everything else comes from the preset. */
  overrides?: Partial<TrainingConfig>;
}

export interface RuntimeOptions {
  /** CPU threads per session; keep it fixed across a run and its resumes for bit-identical results. */
  threads?: number;
}

export interface PreparedRun {
  description: RunDescription;
  model: BaseModel;
  dataset: Dataset;
}

/** A run's description and checked dataset, without its model: what planRun and planResume give. */
export type RunPlan = Omit<PreparedRun, 'model'>;

/** What planning a run reads of its base model: the preset's profile and the image size multiple. */
export type PlanningModel = Pick<BaseModel, 'profile'> & { encoders: Pick<BaseModel['encoders'], 'sizeMultiple'> };

export function resolveBaseDir(base: string): string {
  return base === DEFAULT_BASE_MODEL ? defaultModelDir() : resolve(base);
}

/** True for the embedded default model, named as 'default' (a run row) or by its folder (a run description). */
export function isDefaultBase(base: string): boolean {
  return resolveBaseDir(base) === defaultModelDir();
}

async function loadBase(dir: string, options: RuntimeOptions): Promise<BaseModel> {
  return openBase(dir, () => loadBaseModel(dir, { threads: options.threads }));
}

/**
 * The base model's shape from its config and file headers (no weights loaded): enough to plan a run and estimate its
 * memory (a queue worker's fit check). The same TrainingSetupError as a full load for a missing or unusable model.
 */
export async function readBaseShape(base: string): Promise<BaseModelShape> {
  const dir = resolveBaseDir(base);
  return openBase(dir, () => readBaseModelShape(dir));
}

async function openBase<T>(dir: string, open: () => Promise<T>): Promise<T> {
  if (!existsSync(dir)) {
    throw new TrainingSetupError([
      dir === defaultModelDir()
        ? `the embedded default model is missing (${dir}). Reinstall LoRA Studio or run "lora-studio model pretrain".`
        : `the base model ${dir} does not exist. Pass --base default, a FLUX.2 download (a diffusers folder or a lora-studio-model.json) or a folder made by "lora-studio model pretrain".`,
    ]);
  }
  try {
    return await open();
  } catch (error) {
    throw new TrainingSetupError([`the base model in ${dir} cannot be loaded: ${(error as Error).message}`]);
  }
}

async function check(description: RunDescription, model: PlanningModel, runDir: string): Promise<Dataset> {
  const problems = configProblems(description.config, { sizeMultiple: model.encoders.sizeMultiple });
  const dataset = loadDataset(description.dataset, { folderCacheDir: runPaths(runDir).cache });
  problems.push(...(await datasetProblems(dataset, description.config.trigger)));
  const captions = dataset.images.map((i) => i.caption ?? '').filter((c) => c.length > 0);
  if ((description.config.priorImages ?? 0) > 0 && captions.length > 0 && priorCaptions(captions, description.config.trigger).length === 0) {
    problems.push(`prior preservation draws pictures from the captions without the trigger "${description.config.trigger}", but every caption is empty without it. Describe what each image shows, or set prior-preservation images to 0.`);
  }
  if (problems.length) throw new TrainingSetupError(problems);
  return dataset;
}

/** A new run: fills the config from the preset for the LoRA type and validates everything. */
export async function prepareNewRun(request: TrainRequest, options: RuntimeOptions = {}): Promise<PreparedRun> {
  checkNewRunDir(request.runDir); // before the model loads: a bad --out says so at once
  const model = await loadBase(resolveBaseDir(request.base), options);
  try {
    return { ...(await planNewRun(request, model)), model };
  } catch (error) {
    await model.close();
    throw error;
  }
}

function checkNewRunDir(dir: string): void {
  const runDir = resolve(dir);
  assertFolderCanBeMade(runDir); // before any recursive mkdir: one under /proc never returns
  if (existsSync(runPaths(runDir).description)) {
    throw new TrainingSetupError([`${runDir} already holds a run. Continue it with "lora-studio resume ${runDir}" or choose another --out folder.`]);
  }
}

/** prepareNewRun without loading the model: the config and checked dataset from what `model` says of itself. */
export async function planNewRun(request: TrainRequest, model: PlanningModel): Promise<RunPlan> {
  const datasetDir = resolve(request.dataset);
  const base = resolveBaseDir(request.base);
  const runDir = resolve(request.runDir);
  checkNewRunDir(runDir);
  const preview = loadDataset(datasetDir, { folderCacheDir: runPaths(runDir).cache });
  const type = request.type ?? request.overrides?.type ?? preview.project?.type;
  const trigger = request.trigger ?? request.overrides?.trigger ?? preview.project?.trigger;
  const missing: string[] = [];
  if (!type || !isLoraType(type)) missing.push(`say what the LoRA is for: --type subject, style or object (got ${type ?? 'nothing'}).`);
  if (!trigger) missing.push('give the trigger word with --trigger (a unique word such as sks that every caption contains).');
  if (missing.length) throw new TrainingSetupError(missing);
  const imageCount = preview.images.length;
  const config: TrainingConfig = { ...presetConfig({ type: type as LoraType, trigger: trigger!, imageCount, model: model.profile }), ...request.overrides };
  // Values derived from steps follow the user's step count unless given too.
  if (request.overrides?.steps !== undefined) {
    const preset = presetConfig({ type: config.type, trigger: config.trigger, imageCount, model: model.profile });
    if (request.overrides.checkpointEvery === undefined) config.checkpointEvery = Math.max(1, Math.round(config.steps / 4));
    if (request.overrides.sampleEvery === undefined) config.sampleEvery = config.checkpointEvery;
    if (request.overrides.warmupSteps === undefined && preset.warmupSteps > 0) config.warmupSteps = Math.round(config.steps * 0.05);
  }
  const description: RunDescription = { version: 1, dataset: datasetDir, base, config, createdAt: new Date().toISOString() };
  return { description, dataset: await check(description, model, runDir) };
}

/** An existing run folder: the same dataset, base model and config as when it started. */
export async function prepareResume(runDir: string, options: RuntimeOptions = {}): Promise<PreparedRun> {
  const description = resumedDescription(runDir);
  const model = await loadBase(description.base, options);
  try {
    return { description, model, dataset: await check(description, model, resolve(runDir)) };
  } catch (error) {
    await model.close();
    throw error;
  }
}

/** prepareResume without loading the model (`model`: the run's base, or its shape). */
export async function planResume(runDir: string, model: PlanningModel): Promise<RunPlan> {
  const description = resumedDescription(runDir);
  return { description, dataset: await check(description, model, resolve(runDir)) };
}

function resumedDescription(runDir: string): RunDescription {
  const description = readRunDescription(resolve(runDir));
  // Runs made before these settings existed trained without them.
  description.config.priorImages ??= 0;
  description.config.preservation ??= 0;
  return description;
}
