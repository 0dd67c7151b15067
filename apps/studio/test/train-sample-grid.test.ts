import type { RunSample } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { findCell, moveInGrid, previousSample, sampleGrid } from '../src/screens/train/sample-grid';

const sample = (step: number, prompt: string, seed = 1): RunSample => ({ step, prompt, seed, file: `runs/1/samples/${step}-${prompt}-${seed}.png`, requested: false });

describe('the samples grid', () => {
  const samples = [sample(4, 'a'), sample(4, 'b'), sample(8, 'a'), sample(8, 'b'), sample(12, 'a'), sample(10, 'custom', 7)];
  const grid = sampleGrid(samples);

  it('has one row per step, newest on top, and one column per prompt and seed in order of appearance', () => {
    expect(grid.rows.map((r) => r.step)).toEqual([12, 10, 8, 4]);
    expect(grid.columns.map((c) => [c.prompt, c.seed])).toEqual([['a', 1], ['b', 1], ['custom', 7]]);
    expect(grid.rows[0]!.cells.map((c) => c?.prompt ?? null)).toEqual(['a', null, null]);
  });

  it('moves like the lightbox arrows, skipping empty cells', () => {
    const at = findCell(grid, samples[2]!)!; // step 8, prompt a
    expect(at).toEqual({ row: 2, col: 0 });
    expect(moveInGrid(grid, at, 'right')).toEqual({ row: 2, col: 1 });
    expect(moveInGrid(grid, at, 'left')).toBeNull();
    expect(moveInGrid(grid, at, 'newer')).toEqual({ row: 0, col: 0 });
    expect(moveInGrid(grid, at, 'older')).toEqual({ row: 3, col: 0 });
    expect(moveInGrid(grid, { row: 3, col: 0 }, 'older')).toBeNull();
    expect(previousSample(grid, { row: 0, col: 0 })?.step).toBe(8);
    expect(previousSample(grid, { row: 3, col: 1 })).toBeNull();
  });
});
