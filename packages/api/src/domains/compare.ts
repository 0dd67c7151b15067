import { z } from 'zod';
import { pathSchema } from './paths';
import { projectDirSchema } from './projects';
import { MAX_REFERENCE_IMAGES, tooManyReferences } from './references';

export const loraExportFormats = ['peft', 'bfl', 'kohya'] as const;
export type LoraExportFormat = (typeof loraExportFormats)[number];

/** Storage precision of an exported LoRA's matrices: bf16 is what the ecosystem ships (half of fp32's size). */
export const loraExportPrecisions = ['bf16', 'fp16', 'fp32'] as const;
export type LoraExportPrecision = (typeof loraExportPrecisions)[number];
export const DEFAULT_LORA_EXPORT_PRECISION: LoraExportPrecision = 'bf16';
/** Which tensors an export writes: the trained ones, or their moving average (runs trained with an EMA decay). */
export const loraExportWeights = ['trained', 'ema'] as const;
export type LoraExportWeights = (typeof loraExportWeights)[number];

/** Why an export takes the step it does: the user's pick, else what the studio proposes for "best". */
export type CheckpointChoiceReason = 'chosen' | 'your favourite' | 'best score' | 'latest checkpoint';

/**
 * The checkpoint "best" means, in the studio and on the command line alike: the favourite the user marked; else the
 * best-scored one; else the latest (said as such, so the user knows it was not judged). Null without checkpoints.
 */
export function proposeCheckpoint(
  steps: readonly number[], favourite: number | null, bestScored: number | null,
): { step: number; reason: Exclude<CheckpointChoiceReason, 'chosen'> } | null {
  if (favourite !== null && steps.includes(favourite)) return { step: favourite, reason: 'your favourite' };
  if (bestScored !== null && steps.includes(bestScored)) return { step: bestScored, reason: 'best score' };
  if (steps.length === 0) return null;
  return { step: Math.max(...steps), reason: 'latest checkpoint' };
}

/** The guide's range is 0.6–1.0; up to 2 is allowed (above 1 gets a warning). */
const scaleSchema = z.number().min(0).max(2);
const seedSchema = z.number().int().min(0).max(2 ** 31 - 1);
const promptSchema = z.string().trim().min(1).max(1000);
const runRef = { dir: projectDirSchema, runId: z.number().int().positive() };
const stepChoice = z.union([z.number().int().min(0), z.literal('best')]);
const absolutePath = pathSchema();

export interface CompareGridColumn {
  /** null: the base model without LoRA. */
  step: number | null;
  scale: number | null;
  label: string;
}

export interface CompareGridCell {
  row: number;
  column: number;
  prompt: string;
  step: number | null;
  scale: number | null;
  seed: number;
  /** PNG, relative to the project folder. */
  file: string;
  /** Found in the project's cache rather than rendered now. */
  cached: boolean;
}

export interface CompareGrid {
  runId: number;
  prompts: string[];
  columns: CompareGridColumn[];
  /** Row-major: cells[row * columns.length + column]. */
  cells: CompareGridCell[];
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
}

export interface CheckpointScores {
  step: number;
  /** How alike the trigger samples are to each other and to the training images, 0–1 (higher is better). */
  consistency: number;
  toEachOther: number;
  toTraining: number;
  /** How much samples WITHOUT the trigger change with the LoRA, 0–1 (lower is better). */
  bleed: number;
  /** How much the trigger samples change with the LoRA, 0–1. */
  triggerChange: number;
  /** Mean distance of a trigger sample to its nearest training image, 0–1. */
  nearestTraining: number;
  /** The samples copy training images. */
  overfit: boolean;
  /** consistency − bleed − 0.25 if overfit; the highest is suggested. */
  overall: number;
}

export interface CompareScores {
  runId: number;
  method: 'face-descriptors' | 'image-features';
  scale: number;
  seed: number;
  triggerPrompts: string[];
  plainPrompts: string[];
  /** The base model on the trigger prompts, for reference. */
  base: { consistency: number; toEachOther: number; toTraining: number; nearestTraining: number };
  checkpoints: CheckpointScores[];
  overfitBelow: number;
  /** The suggested checkpoint: the highest overall score. */
  best: number | null;
}

export interface GeneratedImage {
  id: number;
  /** PNG, relative to the project folder. */
  file: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  guidance: number;
  steps: number;
  width: number;
  height: number;
  /** The LoRA used, if any. */
  lora: { runId: number; step: number } | { file: string } | null;
  scale: number;
  createdAt: string;
}

export interface LoraExportPreview {
  step: number;
  reason: CheckpointChoiceReason;
  format: LoraExportFormat;
  precision: LoraExportPrecision;
  fileName: string;
  keyCount: number;
  bytes: number;
  metadata: Record<string, string>;
}

/**
 * Edit LoRAs: project images (by id) the model reads as FLUX.2 reference images, in order, each fitted to the output
 * size as training fits references to their image.
 */
const referenceImagesSchema = z.array(z.number().int().positive()).max(MAX_REFERENCE_IMAGES, tooManyReferences());

export const compareArgs = {
  'compare-wild-prompts': z.object({ dir: projectDirSchema }).strict(),
  'compare-grid': z
    .object({
      ...runRef,
      prompts: z.array(promptSchema).min(1).max(12),
      /** Default: every checkpoint. */
      checkpoints: z.array(z.number().int().min(0)).max(64).optional(),
      scales: z.array(scaleSchema).min(1).max(6).optional(),
      seed: seedSchema.optional(),
      steps: z.number().int().min(1).max(200).optional(),
      guidance: z.number().min(0).max(30).optional(),
      negativePrompt: z.string().max(1000).optional(),
      includeBase: z.boolean().optional(),
      /** The checkpoints' trained tensors (default) or their EMA; 'ema' needs a run trained with an EMA decay. */
      weights: z.enum(loraExportWeights).optional(),
      references: referenceImagesSchema.optional(),
    })
    .strict(),
  'compare-score': z
    .object({ ...runRef, prompts: z.array(promptSchema).min(2).max(12).optional(), seed: seedSchema.optional(), scale: scaleSchema.optional() })
    .strict(),
  'compare-scores': z.object(runRef).strict(),
  'generate-images': z
    .object({
      dir: projectDirSchema,
      prompt: promptSchema,
      negativePrompt: z.string().max(1000).optional(),
      guidance: z.number().min(0).max(30).optional(),
      steps: z.number().int().min(1).max(200).optional(),
      seed: seedSchema.optional(),
      width: z.number().int().min(16).max(4096).optional(),
      height: z.number().int().min(16).max(4096).optional(),
      lora: z.union([z.object({ runId: z.number().int().positive(), step: z.number().int().min(0) }).strict(), z.object({ file: absolutePath }).strict()]).optional(),
      scale: scaleSchema.optional(),
      batch: z.number().int().min(1).max(16).optional(),
      references: referenceImagesSchema.optional(),
    })
    .strict(),
  'generate-history': z.object({ dir: projectDirSchema, limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'export-preview': z.object({ ...runRef, step: stepChoice, format: z.enum(loraExportFormats), precision: z.enum(loraExportPrecisions).optional(), weights: z.enum(loraExportWeights).optional() }).strict(),
  'export-lora': z.object({ ...runRef, step: stepChoice, format: z.enum(loraExportFormats), precision: z.enum(loraExportPrecisions).optional(), weights: z.enum(loraExportWeights).optional(), outDir: absolutePath.optional() }).strict(),
  'export-config': z.object({ ...runRef, format: z.enum(['json', 'toml']), outDir: absolutePath.optional() }).strict(),
  'export-dataset': z.object({ dir: projectDirSchema, outDir: absolutePath }).strict(),
};

type Args<K extends keyof typeof compareArgs> = z.infer<(typeof compareArgs)[K]>;

export type CompareHandlers = {
  /** The guide's quick test: five very different prompts around the trigger, for the project's type (editable). */
  'compare-wild-prompts': (args: Args<'compare-wild-prompts'>) => Promise<{ prompts: string[] }>;
  /** Renders (or finds cached) every cell; pushes `compare-progress` after each. Row r uses seed + r. */
  'compare-grid': (args: Args<'compare-grid'>) => Promise<CompareGrid>;
  /** Scores every checkpoint (rendering what the cache lacks) and stores the scores with the checkpoints. */
  'compare-score': (args: Args<'compare-score'>) => Promise<CompareScores>;
  /** The last stored scores, or null when the run was never scored. */
  'compare-scores': (args: Args<'compare-scores'>) => Promise<CompareScores | null>;
  /** A batch of images from seeds seed…seed+N−1; `warning` when the LoRA scale is above 1.0. */
  'generate-images': (args: Args<'generate-images'>) => Promise<{ images: GeneratedImage[]; warning: string | null }>;
  /** Generated images, newest first. */
  'generate-history': (args: Args<'generate-history'>) => Promise<GeneratedImage[]>;
  /** File name, key count, size and metadata of an export, without writing it. */
  'export-preview': (args: Args<'export-preview'>) => Promise<LoraExportPreview>;
  /** Writes the LoRA (default folder: the project's exports/). */
  'export-lora': (args: Args<'export-lora'>) => Promise<LoraExportPreview & { path: string }>;
  'export-config': (args: Args<'export-config'>) => Promise<{ path: string }>;
  /** Every included image with a .txt caption beside it, into an empty or new folder. */
  'export-dataset': (args: Args<'export-dataset'>) => Promise<{ folder: string; images: number; uncaptioned: number }>;
};

export interface CompareEvents {
  /** After each grid cell (also for the cells scoring renders); `finished` with the last one. */
  'compare-progress': { dir: string; runId: number; purpose: 'grid' | 'score'; done: number; total: number; cell: CompareGridCell; finished: boolean };
  /** Per image of a generate batch. */
  'generate-progress': { dir: string; done: number; total: number };
}
