// The checkpoint grid: prompts as rows; a "base model, no LoRA" column, then every checkpoint × LoRA scale.
// Every cell of a row uses that row's fixed seed, so cells differ only by the checkpoint and scale. Cells are PNG files in a
// cache keyed by everything that changes the pixels — the checkpoint file's content hash among them, so a
// rewritten checkpoint renders afresh while reopening a grid costs nothing.
import { ConflictError, InvalidInputError, UnavailableError } from '@lora-studio/api';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Adapter, LoraTargets } from '@lora-studio/models';
import { readRunDescription, type RgbImage, type RunDescription } from '@lora-studio/trainer';
import { checkpointAdapter, checkpointAt, fileContentHash, runCheckpoints, type CheckpointWeights } from './checkpoint-lora';
import type { EncodedReferences, ImageRenderer } from './renderer';

export const DEFAULT_SCALES = [0.6, 0.8, 1.0];

export interface GridRequest {
  runDir: string;
  prompts: string[];
  /** Steps to compare; 'all' = every checkpoint of the run. */
  checkpoints: 'all' | number[];
  scales?: number[];
  /** Row r uses seed + r: each prompt its own noise, the same in every column. */
  seed: number;
  /**
   * The seed of each row instead of seed + r, one per prompt. Twin rows (a prompt with the trigger and without it) share
   * one, so the two rows differ only by the trigger, and scoring the same prompts at those seeds reads the cached cells.
   */
  rowSeeds?: readonly number[];
  /** Defaults: the run's sample settings and the model's image size. */
  steps?: number;
  guidance?: number;
  width?: number;
  height?: number;
  negativePrompt?: string;
  /** The "base model, no LoRA" column; default true. */
  includeBase?: boolean;
  /** Edit LoRAs: reference picture files every cell reads, in order (see RenderRequest.references). */
  references?: readonly string[];
  /** The checkpoints' trained tensors (default) or their moving average (runs trained with an EMA decay). */
  weights?: CheckpointWeights;
  /** Where cell images are cached; default RUN_DIR/grid-cache. */
  cacheDir?: string;
  /** After each cell, rendered or found in the cache. */
  onCell?: (cell: GridCell, done: number, total: number) => void;
}

export interface GridColumn {
  /** null: the base model without LoRA. */
  step: number | null;
  scale: number | null;
  label: string;
}

export interface GridCell {
  row: number;
  column: number;
  prompt: string;
  step: number | null;
  scale: number | null;
  seed: number;
  /** Absolute path of the cell's PNG. */
  file: string;
  cached: boolean;
}

export interface GridResult {
  runDir: string;
  prompts: string[];
  columns: GridColumn[];
  /** Row-major: cells[row * columns.length + column]. */
  cells: GridCell[];
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
}

export function gridCacheDir(runDir: string): string {
  return join(runDir, 'grid-cache');
}

export interface CellSettings {
  prompt: string;
  negativePrompt: string;
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
  /** Content hashes of the reference pictures; absent without references (so earlier cached cells stay valid). */
  references?: string[];
}

/** Everything that changes a cell's pixels; `lora` is the checkpoint file's content hash or "none". */
export function cellKey(modelId: string, lora: string, scale: number, s: CellSettings): string {
  const parts = { v: 1, modelId, lora, scale: lora === 'none' ? 0 : scale, ...s };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

export async function writePng(path: string, image: RgbImage): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(tmp);
  renameSync(tmp, path);
}

function columnsFor(runDir: string, checkpoints: 'all' | number[], scales: number[], includeBase: boolean): GridColumn[] {
  const steps = checkpoints === 'all' ? runCheckpoints(runDir).map((c) => c.step) : checkpoints.map((s) => checkpointAt(runDir, s).step);
  if (steps.length === 0 && !includeBase) throw new ConflictError(`The run in ${runDir} has no checkpoints to compare yet.`);
  const columns: GridColumn[] = includeBase ? [{ step: null, scale: null, label: 'base model' }] : [];
  for (const step of steps) {
    for (const scale of scales) columns.push({ step, scale, label: `step ${step} ×${scale}` });
  }
  return columns;
}

export function checkScales(scales: number[]): void {
  for (const s of scales) {
    if (!Number.isFinite(s) || s < 0 || s > 2) throw new InvalidInputError(`LoRA scale ${s} is outside 0–2; the guide suggests 0.6–1.0.`);
  }
}

export async function renderGrid(renderer: ImageRenderer, req: GridRequest): Promise<GridResult> {
  if (req.prompts.length === 0) throw new InvalidInputError('Give at least one prompt for the grid.');
  if (req.rowSeeds && (req.rowSeeds.length !== req.prompts.length || !req.rowSeeds.every(Number.isSafeInteger))) {
    throw new InvalidInputError(`Give one whole-number seed per prompt: ${req.prompts.length} prompts, ${req.rowSeeds.length} row seeds.`);
  }
  const scales = req.scales ?? DEFAULT_SCALES;
  checkScales(scales);
  const run: RunDescription = readRunDescription(req.runDir);
  const size = { width: req.width ?? renderer.defaultSize.width, height: req.height ?? renderer.defaultSize.height };
  const settings = { steps: req.steps ?? run.config.sampleSteps, guidance: req.guidance ?? run.config.sampleGuidance, ...size };
  const references = req.references ?? [];
  const referenceHashes = references.length ? { references: references.map((f) => fileContentHash(f)) } : {};
  const columns = columnsFor(req.runDir, req.checkpoints, scales, req.includeBase ?? true);
  const cacheDir = req.cacheDir ?? gridCacheDir(req.runDir);
  mkdirSync(cacheDir, { recursive: true });

  if (columns.some((c) => c.step !== null)) {
    await renderer.prepare(renderer.model.family.loraTargets(run.config.targets as LoraTargets).map((l) => l.path));
  }
  let encoded: Promise<EncodedReferences> | undefined;
  const total = columns.length * req.prompts.length;
  const cells: GridCell[] = new Array(total);
  let done = 0;
  // Column by column: each checkpoint file is read once, and its cells share the loaded tensors.
  for (const [column, col] of columns.entries()) {
    const file = col.step === null ? null : checkpointAt(req.runDir, col.step).path;
    // The EMA is other tensors of the same file, so it is its own cache entry.
    const lora = file ? `${fileContentHash(file)}${req.weights === 'ema' ? ':ema' : ''}` : 'none';
    let adapter: Adapter | null = null;
    for (const [row, prompt] of req.prompts.entries()) {
      const cell: CellSettings = { prompt, negativePrompt: req.negativePrompt ?? '', seed: req.rowSeeds?.[row] ?? req.seed + row, ...settings, ...referenceHashes };
      const path = join(cacheDir, `${cellKey(renderer.model.id, lora, col.scale ?? 0, cell)}.png`);
      const cached = existsSync(path);
      if (!cached) {
        if (file && !adapter) adapter = loadCheckpointAdapter(file, renderer, req.weights);
        // Encoded at the first cell that renders (a grid read from the cache reads no reference), then reused.
        encoded ??= references.length ? renderer.encodeReferences(references, size.width, size.height) : undefined;
        await writePng(path, await renderer.render({ ...cell, lora: adapter, scale: col.scale ?? 0, references: await encoded }));
      }
      const out: GridCell = { row, column, prompt, step: col.step, scale: col.scale, seed: cell.seed, file: path, cached };
      cells[row * columns.length + column] = out;
      req.onCell?.(out, ++done, total);
    }
  }
  return { runDir: req.runDir, prompts: req.prompts, columns, cells, seed: req.seed, ...settings };
}

export function loadCheckpointAdapter(file: string, renderer: ImageRenderer, weights: CheckpointWeights = 'trained'): Adapter {
  const c = checkpointAdapter(file, weights);
  if (c.baseModel !== renderer.model.id) {
    throw new UnavailableError(`${file} was trained on ${c.baseModel}, but the loaded base model is ${renderer.model.id}. Restore that base model to compare this run.`);
  }
  return c.adapter;
}
