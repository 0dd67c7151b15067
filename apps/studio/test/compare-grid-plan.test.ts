import type { CompareGridCell, RunDetail } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { cellIndex, columnLabel, defaultGridSettings, gridProblem, gridSummary, isGridSettings, moveCell, planGrid, reconcileSettings, runHasEma, type GridSettings } from '../src/screens/compare/grid-plan';

const settings = (over: Partial<GridSettings> = {}): GridSettings => ({
  prompts: ['a flt cat', '', '  a flt city at night  '], checkpoints: [8, 4], includeBase: true, scaleAxis: false, seed: 7, samplerSteps: 2, ...over,
});

const cell = (prompt: string, seed: number, step: number | null, scale: number | null): CompareGridCell => ({
  row: 99, column: 99, prompt, seed, step, scale, file: 'cache/grid/x.png', cached: false,
});

describe('the checkpoint grid plan', () => {
  it('orders columns like the services: base model, then each checkpoint oldest first, at each scale', () => {
    const plan = planGrid(3, settings());
    expect(plan.prompts).toEqual(['a flt cat', 'a flt city at night']);
    expect(plan.columns).toEqual([{ step: null, scale: null }, { step: 4, scale: 1 }, { step: 8, scale: 1 }]);
    const axis = planGrid(3, settings({ scaleAxis: true, includeBase: false }));
    expect(axis.columns.map((c) => `${c.step}@${c.scale}`)).toEqual(['4@0.6', '4@0.8', '4@1', '8@0.6', '8@0.8', '8@1']);
    expect(columnLabel(axis.columns[1]!, true)).toBe('step 4 · ×0.8');
    expect(columnLabel(plan.columns[0]!, false)).toBe('base model, no LoRA');
  });

  it('says what Render will cost: N prompts × M checkpoints', () => {
    expect(gridSummary(settings())).toBe('2 prompts × 2 checkpoints + base model = 6 images');
    expect(gridSummary(settings({ scaleAxis: true }))).toBe('2 prompts × 2 checkpoints × 3 scales + base model = 14 images');
    expect(gridSummary(settings({ prompts: ['one'], checkpoints: [4], includeBase: false }))).toBe('1 prompt × 1 checkpoint = 1 image');
    expect(gridSummary(settings({ references: [7] }))).toBe('2 prompts × 2 checkpoints + base model = 6 images, reading 1 reference image');
  });

  it('places a cell by what it shows (prompt, row seed, checkpoint, scale), not by its index', () => {
    const plan = planGrid(3, settings({ scaleAxis: true }));
    // Row 1 has seed 8; column order: base, 4@0.6, 4@0.8, 4@1, 8@0.6, …
    expect(cellIndex(plan, cell('a flt city at night', 8, 4, 0.8))).toBe(1 * 7 + 2);
    expect(cellIndex(plan, cell('a flt cat', 7, null, null))).toBe(0);
    expect(cellIndex(plan, cell('a flt cat', 8, null, null))).toBe(-1);
    expect(cellIndex(plan, cell('a flt cat', 7, 12, 1))).toBe(-1);
    expect(cellIndex(plan, cell('another prompt', 7, 4, 1))).toBe(-1);
  });

  it('walks rendered cells with the arrow keys, skipping the ones still pending', () => {
    const plan = planGrid(3, settings());
    const cells = [cell('a', 7, null, null), null, cell('c', 7, 8, 1), cell('d', 8, null, null), cell('e', 8, 4, 1), null];
    expect(moveCell(plan, cells, 0, 'right')).toBe(2);
    expect(moveCell(plan, cells, 2, 'right')).toBeNull();
    expect(moveCell(plan, cells, 0, 'down')).toBe(3);
    expect(moveCell(plan, cells, 2, 'down')).toBeNull();
    expect(moveCell(plan, cells, 4, 'up')).toBeNull();
    expect(moveCell(plan, cells, 4, 'left')).toBe(3);
  });

  it('names what stops a render', () => {
    expect(gridProblem(settings())).toBeNull();
    expect(gridProblem(settings({ prompts: [' ', ''] }))).toMatch(/at least one prompt/);
    expect(gridProblem(settings({ prompts: Array.from({ length: 13 }, (_, i) => `p${i}`) }))).toMatch(/at most 12 prompts; there are 13/);
    expect(gridProblem(settings({ checkpoints: [], includeBase: false }))).toMatch(/Tick at least one checkpoint/);
    expect(gridProblem(settings({ samplerSteps: 0 }))).toMatch(/Sampler steps/);
  });

  it('starts from every checkpoint and the run’s own sample seed and steps; drops checkpoints that are gone', () => {
    const run = { checkpoints: [{ step: 8 }, { step: 4 }], config: { sampleSeeds: [42, 1], sampleSteps: 12 } } as unknown as RunDetail;
    const fresh = defaultGridSettings(run, ['p']);
    expect(fresh).toEqual({ prompts: ['p'], checkpoints: [4, 8], includeBase: true, scaleAxis: false, seed: 42, samplerSteps: 12 });
    expect(reconcileSettings({ ...fresh, checkpoints: [4, 6, 8] }, run).checkpoints).toEqual([4, 8]);
    expect(isGridSettings(fresh)).toBe(true);
    expect(isGridSettings({ ...fresh, seed: 'x' })).toBe(false);
    expect(isGridSettings({ ...fresh, references: [3, 4] })).toBe(true);
    expect(isGridSettings({ ...fresh, references: ['3'] })).toBe(false);
    expect(isGridSettings(null)).toBe(false);
  });

  it('offers the EMA only for a run that kept one, and a saved EMA choice does not outlive it', () => {
    const run = (ema?: number) => ({ checkpoints: [{ step: 4 }], config: { sampleSeeds: [1], sampleSteps: 2, ...(ema === undefined ? {} : { ema }) } }) as unknown as RunDetail;
    expect([runHasEma(run()), runHasEma(run(0)), runHasEma(run(0.999))]).toEqual([false, false, true]);
    const saved = { ...settings({ checkpoints: [4] }), ema: true };
    expect(reconcileSettings(saved, run(0.999)).ema).toBe(true);
    expect(reconcileSettings(saved, run()).ema).toBe(false);
    expect(gridSummary(saved)).toBe('2 prompts × 1 checkpoint + base model = 4 images, EMA weights');
  });
});
