import type { CompareGridCell, RunDetail } from '@lora-studio/api';

/** The guide's range for the LoRA-scale axis; without the axis every checkpoint is shown at full strength. */
export const SCALE_AXIS = [0.6, 0.8, 1.0];
export const FULL_STRENGTH = [1.0];

/** What the user sets up above the grid; remembered per run so reopening shows the same grid (from the cache). */
export interface GridSettings {
  prompts: string[];
  /** The ticked checkpoints, by step. */
  checkpoints: number[];
  includeBase: boolean;
  scaleAxis: boolean;
  seed: number;
  /** Sampler steps per image. */
  samplerSteps: number;
  /** Render the checkpoints' moving average instead of their trained weights (runs trained with an EMA decay). */
  ema?: boolean;
  /** Edit LoRAs: project images (ids) every cell reads as reference images, in order. */
  references?: number[];
}

/** Whether the run's checkpoints hold an EMA of the adapter beside its trained weights. */
export function runHasEma(run: Pick<RunDetail, 'config'>): boolean {
  return (run.config.ema ?? 0) > 0;
}

/** Whether a stored value (local storage survives app versions) is still a usable set-up. */
export function isGridSettings(value: unknown): value is GridSettings {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.prompts) && v.prompts.every((p) => typeof p === 'string') &&
    Array.isArray(v.checkpoints) && v.checkpoints.every((s) => Number.isInteger(s)) &&
    typeof v.includeBase === 'boolean' && typeof v.scaleAxis === 'boolean' &&
    Number.isInteger(v.seed) && Number.isInteger(v.samplerSteps) &&
    (v.references === undefined || (Array.isArray(v.references) && v.references.every((r) => Number.isInteger(r) && r > 0)))
  );
}

export interface PlannedColumn {
  /** null: the base model without LoRA. */
  step: number | null;
  scale: number | null;
}

/** The grid as requested: known before any cell arrives, so cells can take their place as they come. */
export interface GridPlan {
  runId: number;
  prompts: string[];
  columns: PlannedColumn[];
  /** Row r uses seed + r (the services' rule), the same in every column. */
  seed: number;
  scaleAxis: boolean;
}

export function scalesOf(settings: Pick<GridSettings, 'scaleAxis'>): number[] {
  return settings.scaleAxis ? SCALE_AXIS : FULL_STRENGTH;
}

/** The prompts that will be sent: trimmed, without blank lines. */
export function usablePrompts(prompts: readonly string[]): string[] {
  return prompts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The services' column order: the base model first, then each checkpoint (oldest first) at each scale. */
export function planGrid(runId: number, settings: GridSettings): GridPlan {
  const columns: PlannedColumn[] = settings.includeBase ? [{ step: null, scale: null }] : [];
  for (const step of [...settings.checkpoints].sort((a, b) => a - b)) {
    for (const scale of scalesOf(settings)) columns.push({ step, scale });
  }
  return { runId, prompts: usablePrompts(settings.prompts), columns, seed: settings.seed, scaleAxis: settings.scaleAxis };
}

export function columnLabel(column: PlannedColumn, scaleAxis: boolean): string {
  if (column.step === null) return 'base model, no LoRA';
  return scaleAxis ? `step ${column.step.toLocaleString()} · ×${column.scale}` : `step ${column.step.toLocaleString()}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "5 prompts × 3 checkpoints (× 3 scales) + base model = 50 images" — what pressing Render will cost. */
export function gridSummary(settings: GridSettings): string {
  const prompts = usablePrompts(settings.prompts).length;
  const checkpoints = settings.checkpoints.length;
  const scales = scalesOf(settings).length;
  const columns = checkpoints * scales + (settings.includeBase ? 1 : 0);
  let text = `${plural(prompts, 'prompt')} × ${plural(checkpoints, 'checkpoint')}`;
  if (settings.scaleAxis) text += ` × ${plural(scales, 'scale')}`;
  if (settings.includeBase) text += ' + base model';
  const references = settings.references?.length ? `, reading ${plural(settings.references.length, 'reference image')}` : '';
  return `${text} = ${plural(prompts * columns, 'image')}${settings.ema ? ', EMA weights' : ''}${references}`;
}

/** Why the grid cannot be rendered as set up, or null when it can. */
export function gridProblem(settings: GridSettings): string | null {
  const prompts = usablePrompts(settings.prompts).length;
  if (prompts === 0) return 'Write at least one prompt (the "5 wild prompts" preset is a good start).';
  if (prompts > 12) return `A grid takes at most 12 prompts; there are ${prompts}.`;
  if (settings.checkpoints.length === 0 && !settings.includeBase) return 'Tick at least one checkpoint to compare.';
  if (!Number.isInteger(settings.seed) || settings.seed < 0) return 'The seed is a whole number, 0 or more.';
  if (!Number.isInteger(settings.samplerSteps) || settings.samplerSteps < 1 || settings.samplerSteps > 200) return 'Sampler steps are a whole number from 1 to 200.';
  return null;
}

/**
 * Where a rendered cell goes in the plan, found by what it shows (prompt, seed, checkpoint, scale) rather than by
 * its index, so a cell from a different grid (another window, an older request) is never put in the wrong place.
 */
export function cellIndex(plan: GridPlan, cell: Pick<CompareGridCell, 'prompt' | 'seed' | 'step' | 'scale'>): number {
  const row = plan.prompts.findIndex((p, r) => p === cell.prompt && plan.seed + r === cell.seed);
  const column = plan.columns.findIndex((c) => c.step === cell.step && (c.step === null || c.scale === cell.scale));
  return row < 0 || column < 0 ? -1 : row * plan.columns.length + column;
}

/** A fresh setup for a run: the given prompts, every checkpoint ticked, the run's own sample seed and sampler steps. */
export function defaultGridSettings(run: RunDetail, prompts: string[]): GridSettings {
  return {
    prompts,
    checkpoints: run.checkpoints.map((c) => c.step).sort((a, b) => a - b),
    includeBase: true,
    scaleAxis: false,
    seed: run.config.sampleSeeds[0] ?? 0,
    samplerSteps: run.config.sampleSteps,
  };
}

/** Settings saved for a run may name checkpoints that are gone; keep only those the run still has. */
export function reconcileSettings(saved: GridSettings, run: RunDetail): GridSettings {
  const steps = new Set(run.checkpoints.map((c) => c.step));
  return { ...saved, checkpoints: saved.checkpoints.filter((s) => steps.has(s)), ema: runHasEma(run) && saved.ema === true };
}

export type CellMove = 'left' | 'right' | 'up' | 'down';

const cellSteps: Record<CellMove, [number, number]> = { left: [0, -1], right: [0, 1], up: [-1, 0], down: [1, 0] };

/** The next rendered cell from `index` in a direction (the enlarged view's arrow keys), or null at the edge. */
export function moveCell(plan: GridPlan, cells: readonly (CompareGridCell | null)[], index: number, move: CellMove): number | null {
  const width = plan.columns.length;
  const [dr, dc] = cellSteps[move];
  let r = Math.floor(index / width) + dr;
  let c = (index % width) + dc;
  while (r >= 0 && r < plan.prompts.length && c >= 0 && c < width) {
    if (cells[r * width + c]) return r * width + c;
    r += dr;
    c += dc;
  }
  return null;
}
