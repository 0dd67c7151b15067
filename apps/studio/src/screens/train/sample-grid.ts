import type { RunSample } from '@lora-studio/api';

/** One column of the samples grid: a prompt at one seed. */
export interface SampleColumn {
  key: string;
  prompt: string;
  seed: number;
}

export interface SampleRow {
  step: number;
  /** One entry per column; null where that prompt was not sampled at this step. */
  cells: (RunSample | null)[];
}

export interface SampleGrid {
  columns: SampleColumn[];
  /** Newest step first, as a run's samples are followed from the top. */
  rows: SampleRow[];
}

export interface GridCell {
  row: number;
  col: number;
}

const columnKey = (s: { prompt: string; seed: number }) => `${s.seed}\u0000${s.prompt}`;

/** Rows are steps, columns are prompts (× seeds) in the order they first appeared. */
export function sampleGrid(samples: RunSample[]): SampleGrid {
  const columns: SampleColumn[] = [];
  const columnIndex = new Map<string, number>();
  const byStep = new Map<number, Map<number, RunSample>>();
  for (const sample of samples) {
    const key = columnKey(sample);
    let col = columnIndex.get(key);
    if (col === undefined) {
      col = columns.length;
      columnIndex.set(key, col);
      columns.push({ key, prompt: sample.prompt, seed: sample.seed });
    }
    let cells = byStep.get(sample.step);
    if (!cells) byStep.set(sample.step, (cells = new Map()));
    cells.set(col, sample);
  }
  const rows = [...byStep.entries()]
    .sort(([a], [b]) => b - a)
    .map(([step, cells]) => ({ step, cells: columns.map((_, col) => cells.get(col) ?? null) }));
  return { columns, rows };
}

export type GridMove = 'left' | 'right' | 'newer' | 'older';

/**
 * The lightbox's arrows: ←/→ another prompt at the same step, ↑/↓ the same prompt at a newer/older step.
 * Empty cells are skipped; null when there is nothing further that way.
 */
export function moveInGrid(grid: SampleGrid, at: GridCell, move: GridMove): GridCell | null {
  const horizontal = move === 'left' || move === 'right';
  const delta = move === 'left' || move === 'newer' ? -1 : 1;
  let { row, col } = at;
  for (;;) {
    if (horizontal) col += delta;
    else row += delta;
    const cells = grid.rows[row]?.cells;
    if (!cells || col < 0 || col >= cells.length) return null;
    if (cells[col]) return { row, col };
  }
}

/** The same prompt and seed at the step before, to compare what the steps in between changed. */
export function previousSample(grid: SampleGrid, at: GridCell): RunSample | null {
  const older = moveInGrid(grid, at, 'older');
  return older ? grid.rows[older.row]!.cells[older.col]! : null;
}

export function findCell(grid: SampleGrid, sample: RunSample): GridCell | null {
  for (let row = 0; row < grid.rows.length; row++) {
    const col = grid.rows[row]!.cells.findIndex((c) => c?.file === sample.file);
    if (col >= 0) return { row, col };
  }
  return null;
}
