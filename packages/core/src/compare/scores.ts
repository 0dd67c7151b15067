// Scores per checkpoint, to suggest the best one (the guide: the best LoRA is rarely the last step).
//  - consistency: trigger-prompt samples look like each other and like the training images
//    (face descriptors for subject projects whose training images show faces, image features otherwise);
//  - bleed: the same prompts WITHOUT the trigger, with vs without the LoRA, same seed (pixel distance, 0–1);
//    a LoRA that changes pictures it was not asked for leaks its concept everywhere;
//  - overfit: a trigger sample closer to its nearest training image than training images are to each other
//    copies the dataset instead of learning the concept.
// overall = consistency − bleed − 0.25 if overfit; the suggested checkpoint has the highest overall.
import { ConflictError, InvalidInputError } from '@lora-studio/api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset, loadTrainingImage, readRunDescription, runPaths, type RgbImage } from '@lora-studio/trainer';
import { renderGrid, type GridCell, type GridResult } from './grid';
import { featureSimilarity, imageFeatures, pixelDistance, type ImageFeatures } from './image-features';
import type { ImageRenderer } from './renderer';
import { FaceDescriptors } from './face-descriptors';
import { mentionsTrigger, plainPrompt, wildPrompts, type ProjectType } from './wild-prompts';

export interface ConsistencyScore {
  /** Mean similarity of the trigger samples to each other, 0–1. */
  toEachOther: number;
  /** Mean similarity of the trigger samples to the training images, 0–1. */
  toTraining: number;
  /** Mean of the two. */
  consistency: number;
  /** Mean distance of each trigger sample to its nearest training image (pixels, 0–1). */
  nearestTraining: number;
}

export interface CheckpointScore extends ConsistencyScore {
  step: number;
  /** Mean pixel distance of plain-prompt samples with the LoRA from the base model's (0 = no bleed). */
  bleed: number;
  /** The same measure on the trigger prompts: how much the LoRA changes what it was trained for. */
  triggerChange: number;
  overfit: boolean;
  overall: number;
}

export interface RunScores {
  method: 'face-descriptors' | 'image-features';
  scale: number;
  seed: number;
  triggerPrompts: string[];
  plainPrompts: string[];
  base: ConsistencyScore;
  checkpoints: CheckpointScore[];
  /** Below this nearest-training distance a checkpoint counts as copying (half the dataset's own spacing). */
  overfitBelow: number;
  /** The step with the highest overall score; null when the run has no checkpoints. */
  best: number | null;
}

export interface ScoreRequest {
  runDir: string;
  /** Prompts with the trigger; default: the 5 wild prompts for the run's type and trigger. */
  prompts?: string[];
  seed?: number;
  /** LoRA scale the checkpoints are scored at; default 1. */
  scale?: number;
  steps?: number;
  cacheDir?: string;
  /** At most this many training images are compared (evenly spread); default 40. */
  maxTrainingImages?: number;
  onCell?: (cell: GridCell, done: number, total: number) => void;
}

/** How images are described and compared for consistency. */
interface Describer<D> {
  method: RunScores['method'];
  describe(images: RgbImage[]): Promise<D[]>;
  similarity(a: D, b: D): number;
}

const featureDescriber: Describer<ImageFeatures> = {
  method: 'image-features',
  describe: async (images) => images.map(imageFeatures),
  similarity: featureSimilarity,
};

const faceDescriber: Describer<Float32Array | null> = {
  method: 'face-descriptors',
  describe: (images) => FaceDescriptors.describeAll(images),
  similarity: FaceDescriptors.similarity,
};

function mean(values: number[]): number {
  return values.length ? values.reduce((a, v) => a + v, 0) / values.length : 0;
}

async function readRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

async function trainingImages(runDir: string, width: number, height: number, max: number): Promise<RgbImage[]> {
  const run = readRunDescription(runDir);
  const dataset = loadDataset(run.dataset, { folderCacheDir: runPaths(runDir).cache });
  const every = Math.max(1, dataset.images.length / max);
  const picked = [];
  for (let i = 0; i < dataset.images.length && picked.length < max; i += every) picked.push(dataset.images[Math.floor(i)]!);
  return Promise.all(picked.map((img) => loadTrainingImage(img, { width, height }, false)));
}

/** Face descriptors when the project is a subject and most training images show a face; image features otherwise. */
async function chooseDescriber(type: string, training: RgbImage[]): Promise<{ describer: Describer<unknown>; described: unknown[] }> {
  if (type === 'subject') {
    const faces = await faceDescriber.describe(training);
    if (faces.filter((f) => f !== null).length >= training.length / 2) return { describer: faceDescriber as Describer<unknown>, described: faces };
  }
  return { describer: featureDescriber as Describer<unknown>, described: await featureDescriber.describe(training) };
}

export async function scoreRun(renderer: ImageRenderer, req: ScoreRequest): Promise<RunScores> {
  const run = readRunDescription(req.runDir);
  const trigger = run.config.trigger;
  const triggerPrompts = (req.prompts ?? wildPrompts(run.config.type as ProjectType, trigger, run.base)).filter((p) => mentionsTrigger(p, trigger));
  if (triggerPrompts.length < 2) throw new InvalidInputError(`Scoring needs at least two prompts that contain the trigger "${trigger}".`);
  const plainPrompts = triggerPrompts.map((p) => plainPrompt(p, trigger));
  const scale = req.scale ?? 1;
  const seed = req.seed ?? run.config.sampleSeeds[0] ?? 0;
  const common = { runDir: req.runDir, checkpoints: 'all' as const, scales: [scale], seed, steps: req.steps, cacheDir: req.cacheDir };
  const total = 2 * triggerPrompts.length;
  let offset = 0;
  const onCell = (cell: GridCell, done: number, count: number) => req.onCell?.(cell, offset + done, (count / triggerPrompts.length) * total);
  const withTrigger = await renderGrid(renderer, { ...common, prompts: triggerPrompts, onCell });
  offset = withTrigger.cells.length;
  const plain = await renderGrid(renderer, { ...common, prompts: plainPrompts, onCell });

  const images = async (g: GridResult, column: number) => Promise.all(g.prompts.map((_, r) => readRgb(g.cells[r * g.columns.length + column]!.file)));
  const training = await trainingImages(req.runDir, withTrigger.width, withTrigger.height, req.maxTrainingImages ?? 40);
  if (training.length === 0) throw new ConflictError('The run’s dataset has no images left to compare samples with.');
  const overfitBelow = 0.5 * median(training.map((t, i) => Math.min(...training.filter((_, j) => j !== i).map((u) => pixelDistance(t, u)))));

  const { describer, described } = await chooseDescriber(run.config.type, training);
  const consistencyOf = async (samples: RgbImage[]): Promise<ConsistencyScore> => {
    const d = await describer.describe(samples);
    const pairs: number[] = [];
    for (let i = 0; i < d.length; i++) for (let j = i + 1; j < d.length; j++) pairs.push(describer.similarity(d[i], d[j]));
    const toTraining = mean(d.map((x) => mean(described.map((t) => describer.similarity(x, t)))));
    const toEachOther = mean(pairs);
    const nearestTraining = mean(samples.map((s) => Math.min(...training.map((t) => pixelDistance(s, t)))));
    return { toEachOther, toTraining, consistency: (toEachOther + toTraining) / 2, nearestTraining };
  };

  const baseColumn = withTrigger.columns.findIndex((c) => c.step === null);
  const baseTrigger = await images(withTrigger, baseColumn);
  const base = await consistencyOf(baseTrigger);
  const basePlain = await images(plain, baseColumn);
  const checkpoints: CheckpointScore[] = [];
  for (const [column, col] of withTrigger.columns.entries()) {
    if (col.step === null) continue;
    const samples = await images(withTrigger, column);
    const c = await consistencyOf(samples);
    const triggerChange = mean(samples.map((s, i) => pixelDistance(s, baseTrigger[i]!)));
    const plainSamples = await images(plain, column);
    const bleed = mean(plainSamples.map((s, i) => pixelDistance(s, basePlain[i]!)));
    const overfit = c.nearestTraining < overfitBelow;
    checkpoints.push({ step: col.step, ...c, bleed, triggerChange, overfit, overall: c.consistency - bleed - (overfit ? 0.25 : 0) });
  }
  const best = checkpoints.reduce<CheckpointScore | null>((b, c) => (b === null || c.overall > b.overall ? c : b), null);
  const scores: RunScores = { method: describer.method, scale, seed, triggerPrompts, plainPrompts, base, checkpoints, overfitBelow, best: best?.step ?? null };
  writeFileSync(scoresPath(req.runDir), `${JSON.stringify(scores, null, 2)}\n`);
  return scores;
}

/** The last scores of a run (written by every scoring), for "export --step best" outside a project. */
export function scoresPath(runDir: string): string {
  return join(runDir, 'scores.json');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
