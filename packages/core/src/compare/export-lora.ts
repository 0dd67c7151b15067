// Export a checkpoint as a LoRA file that loads elsewhere: the chosen step (or the best: the favourite, else the
// highest score) in diffusers/PEFT, BFL+PEFT or kohya naming, with the header metadata LoRA tools read.
// Every key comes from the models package's writer, which refuses to produce a key that names no adapter layer.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConflictError, DEFAULT_LORA_EXPORT_PRECISION, proposeCheckpoint, type CheckpointChoiceReason, type LoraExportPrecision } from '@lora-studio/api';
import { describeFlux2Model, exportLora, isFlux2ModelPath, LORA_FORMATS, loraTrainingMetadata, readManifest, type LoraFormat } from '@lora-studio/models';
import { layoutSafetensors } from '@lora-studio/onnx';
import { loadDataset, mostReferences, readRunDescription, runPaths, type Dataset } from '@lora-studio/trainer';
import { writeFileAtomic } from '@lora-studio/onnx';
import { assertFolderCanBeMade } from '@lora-studio/store';
import { checkpointAdapter, checkpointAt, runCheckpoints, type CheckpointWeights } from './checkpoint-lora';
import { scoresPath, type RunScores } from './scores';

export interface ExportChoice {
  runDir: string;
  step: number | 'best';
  format: LoraFormat;
  /** The favourite checkpoint the user marked (projects keep it in their store). */
  favourite?: number | null;
  /** Overall score per step; default: the run's scores.json, when it was scored. */
  scores?: { step: number; overall: number }[];
  /** Storage precision of the low-rank matrices; default bf16, as LoRAs are shared. */
  precision?: LoraExportPrecision;
  /** The trained tensors (default) or their EMA, for a run trained with one. */
  weights?: CheckpointWeights;
}

const DTYPES: Record<LoraExportPrecision, 'F32' | 'F16' | 'BF16'> = { fp32: 'F32', fp16: 'F16', bf16: 'BF16' };

export interface ExportPreview {
  step: number;
  /** Why this step: the user's choice, their favourite, the best score, or the latest checkpoint. */
  reason: CheckpointChoiceReason;
  format: LoraFormat;
  precision: LoraExportPrecision;
  fileName: string;
  keyCount: number;
  bytes: number;
  metadata: Record<string, string>;
}

export function isLoraFormat(value: string): value is LoraFormat {
  return (LORA_FORMATS as readonly string[]).includes(value);
}

export function readRunScores(runDir: string): RunScores | null {
  const path = scoresPath(runDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RunScores) : null;
}

/** The step "best" means: the favourite, else the highest overall score, else the latest checkpoint (and says which). */
export function bestStep(choice: Pick<ExportChoice, 'runDir' | 'favourite' | 'scores'>): { step: number; reason: ExportPreview['reason'] } {
  const steps = runCheckpoints(choice.runDir).map((c) => c.step);
  const scores = (choice.scores ?? readRunScores(choice.runDir)?.checkpoints ?? []).filter((s) => steps.includes(s.step));
  const best = scores.reduce<{ step: number; overall: number } | null>((b, s) => (b === null || s.overall > b.overall ? s : b), null);
  const proposal = proposeCheckpoint(steps, choice.favourite ?? null, best?.step ?? null);
  if (!proposal) throw new ConflictError(`The run in ${choice.runDir} has saved no checkpoint yet, so there is nothing to export.`);
  return proposal;
}

function slug(s: string): string {
  return s.normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'lora';
}

/** The EMA is named as such, so exporting both weights of one step keeps two files. */
export function exportFileName(project: string, trigger: string, step: number, format: LoraFormat, weights: CheckpointWeights = 'trained'): string {
  return `${slug(project)}-${slug(trigger)}-step${step}${weights === 'ema' ? '-ema' : ''}-${format}.safetensors`;
}

/** The dataset's name for file names: the project's, or the image folder's. */
export function datasetName(dataset: Dataset): string {
  return dataset.project?.name ?? basename(dataset.root);
}

/** kohya's ss_tag_frequency: folder → comma-separated caption tag → count. */
export function tagFrequency(dataset: Dataset): Record<string, Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const image of dataset.images) {
    for (const tag of (image.caption ?? '').split(',').map((t) => t.trim()).filter(Boolean)) counts[tag] = (counts[tag] ?? 0) + 1;
  }
  return { [basename(dataset.root)]: counts };
}

/** sha256 over every trained image's content hash and caption, in a fixed order: the same data, the same hash. */
export function datasetHash(dataset: Dataset): string {
  // A mask or a reference image changes what is learnt; an image without them hashes as it always did.
  const refs = (i: Dataset['images'][number]) => (i.references?.length ? `\tref:${i.references.map((r) => r.hash).join(',')}` : '');
  const lines = dataset.images.map((i) => `${i.contentHash}\t${i.repeats}\t${i.caption ?? ''}${i.mask ? `\t${i.mask.hash}` : ''}${refs(i)}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function build(choice: ExportChoice) {
  const run = readRunDescription(choice.runDir);
  const { step, reason } = choice.step === 'best' ? bestStep(choice) : { step: checkpointAt(choice.runDir, choice.step).step, reason: 'chosen' as const };
  const lora = checkpointAdapter(checkpointAt(choice.runDir, step).path, choice.weights);
  const dataset = loadDataset(run.dataset, { folderCacheDir: runPaths(choice.runDir).cache });
  const baseName = existsSync(join(run.base, 'model.json')) ? readManifest(run.base).name : basename(run.base);
  // A FLUX.2 download names its real architecture (klein 4B / 9B, dev), which LoRA loaders match on.
  const architecture = isFlux2ModelPath(run.base) ? describeFlux2Model(run.base).architecture : undefined;
  const project = datasetName(dataset);
  const c = lora.config;
  const references = mostReferences(dataset);
  const metadata = {
    ...loraTrainingMetadata({
      baseModel: baseName, architecture, title: `${project} (${c.trigger}, step ${step})`, triggerWord: c.trigger, steps: step,
      resolution: [c.resolution, c.resolution], tagFrequency: tagFrequency(dataset), learningRate: c.lr, seed: c.seed, trainingConfig: c,
    }),
    ss_training_comment: `Trained with LoRA Studio; trigger word "${c.trigger}"`,
    'lora_studio.base_model_id': lora.baseModel,
    'lora_studio.dataset_hash': datasetHash(dataset),
    'lora_studio.step': String(step),
    // An edit LoRA expects this many reference images beside the prompt (FLUX.2 reference latents), the first first.
    ...(references > 0 ? { 'lora_studio.reference_images': String(references) } : {}),
    ...(choice.weights === 'ema' ? { 'lora_studio.weights': `EMA (decay ${c.ema})` } : {}),
  };
  const precision = choice.precision ?? DEFAULT_LORA_EXPORT_PRECISION;
  const { tensors, metadata: header } = exportLora({ layers: lora.adapter.layers, metadata }, choice.format, { dtype: DTYPES[precision] });
  const file = layoutSafetensors(tensors, header);
  const preview: ExportPreview = {
    step, reason, format: choice.format, precision, fileName: exportFileName(project, c.trigger, step, choice.format, choice.weights),
    keyCount: Object.keys(tensors).length, bytes: file.totalBytes, metadata: header,
  };
  return { preview, file };
}

/** What an export would write (file name, key count, size, metadata) without writing it. */
export function previewExport(choice: ExportChoice): ExportPreview {
  return build(choice).preview;
}

/** Writes the LoRA to `out` (a file path), or into `outDir` under its derived name. */
export function exportCheckpoint(choice: ExportChoice & { out?: string; outDir?: string }): ExportPreview & { path: string } {
  const { preview, file } = build(choice);
  const path = choice.out ?? join(choice.outDir ?? join(choice.runDir, 'exports'), preview.fileName);
  // A folder the user named (a /proc path would make mkdir loop): checked before anything is made.
  assertFolderCanBeMade(dirname(path));
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, [file.head, ...file.chunks]);
  return { ...preview, path };
}
