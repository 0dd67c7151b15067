import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '@lora-studio/api';
import { readCheckpoint, readRunDescription, writeCheckpoint } from '@lora-studio/trainer';
import { checkpointAt } from './checkpoint-lora';
import { gridPng } from './grid-image';
import { renderGrid, type GridRequest } from './grid';
import { ImageRenderer } from './renderer';
import { tinyRun } from './test-runs';

let root: string;
let runDir: string;
let renderer: ImageRenderer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ls-grid-'));
  runDir = await tinyRun(root);
  renderer = await ImageRenderer.open(readRunDescription(runDir).base, { threads: 1 });
}, 60_000);

afterAll(async () => renderer?.close());

const request = (over: Partial<GridRequest> = {}): GridRequest => ({
  runDir, prompts: ['a sks disc, colour 1, on white', 'a sks disc on black'], checkpoints: 'all', scales: [0.5, 1], seed: 3, ...over,
});

async function pixels(file: string): Promise<Buffer> {
  return sharp(file).raw().toBuffer();
}

describe('checkpoint grid', () => {
  it('has a base column and every checkpoint × scale, row-major cells with the row seed', async () => {
    const g = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-a') }));
    expect(g.columns.map((c) => c.label)).toEqual(['base model', 'step 2 ×0.5', 'step 2 ×1', 'step 4 ×0.5', 'step 4 ×1']);
    expect(g.cells).toHaveLength(10);
    expect(g.cells[7]).toMatchObject({ row: 1, column: 2, step: 2, scale: 1, seed: 4, cached: false });
    // The LoRA changes the picture: step 4 at scale 1 differs from the base model.
    expect((await pixels(g.cells[4]!.file)).equals(await pixels(g.cells[0]!.file))).toBe(false);
  });

  it('is reproducible: the same seed renders the same pixels, also in a fresh cache', async () => {
    const a = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-b') }));
    const b = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-c') }));
    expect(b.cells.every((c) => !c.cached)).toBe(true);
    for (let i = 0; i < a.cells.length; i++) expect((await pixels(b.cells[i]!.file)).equals(await pixels(a.cells[i]!.file))).toBe(true);
    const otherSeed = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-b'), seed: 11 }));
    expect((await pixels(otherSeed.cells[0]!.file)).equals(await pixels(a.cells[0]!.file))).toBe(false);
  });

  it('reopening is served from the cache, with identical files', async () => {
    const first = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-d') }));
    const again = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-d') }));
    expect(again.cells.every((c) => c.cached)).toBe(true);
    expect(again.cells.map((c) => c.file)).toEqual(first.cells.map((c) => c.file));
  });

  it('a changed checkpoint file renders its cells again; the others stay cached', async () => {
    const cacheDir = join(root, 'cache-e');
    const before = await renderGrid(renderer, request({ cacheDir }));
    const path = checkpointAt(runDir, 4).path;
    const c = readCheckpoint(path);
    writeCheckpoint(path, { ...c, params: c.params.map((v) => v * 3) });
    const after = await renderGrid(renderer, request({ cacheDir }));
    for (const cell of after.cells) expect(cell.cached).toBe(cell.step !== 4);
    const i = after.cells.findIndex((x) => x.step === 4 && x.scale === 1);
    expect((await pixels(after.cells[i]!.file)).equals(await pixels(before.cells[i]!.file))).toBe(false);
  });

  it('composes a labelled PNG with a header row and a prompt column', async () => {
    const g = await renderGrid(renderer, request({ cacheDir: join(root, 'cache-a'), checkpoints: [2], scales: [1] }));
    const png = await gridPng(g);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(240 + 2 * (128 + 4));
    expect(meta.height).toBe(40 + 2 * (128 + 4));
  });

  it('takes a seed per row: the same prompt at the same seed is the same cached cell, whatever its row', async () => {
    const cacheDir = join(root, 'cache-rows');
    const [a, b] = request().prompts;
    const first = await renderGrid(renderer, request({ cacheDir, checkpoints: [2], scales: [1] }));
    const swapped = await renderGrid(renderer, request({ cacheDir, checkpoints: [2], scales: [1], prompts: [b!, a!], rowSeeds: [4, 3] }));
    expect(swapped.cells.map((c) => [c.seed, c.cached])).toEqual([[4, true], [4, true], [3, true], [3, true]]);
    expect(swapped.cells.map((c) => c.file)).toEqual([...first.cells.slice(2), ...first.cells.slice(0, 2)].map((c) => c.file));
    await expect(renderGrid(renderer, request({ cacheDir, rowSeeds: [1] }))).rejects.toThrow(/one whole-number seed per prompt: 2 prompts, 1 row seeds/);
    await expect(renderGrid(renderer, request({ cacheDir, rowSeeds: [1, 0.5] }))).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('names what is missing: an unknown step, an empty prompt list', async () => {
    await expect(renderGrid(renderer, request({ checkpoints: [3] }))).rejects.toThrow(/no checkpoint at step 3; it has steps 2, 4/);
    await expect(renderGrid(renderer, request({ prompts: [] }))).rejects.toThrow(/at least one prompt/);
    // Each is the user's to fix, so it carries its code to the dispatcher: a missing step is not found, no prompt bad input.
    await expect(renderGrid(renderer, request({ checkpoints: [3] }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(renderGrid(renderer, request({ prompts: [] }))).rejects.toBeInstanceOf(InvalidInputError);
    expect(readFileSync(join(runDir, 'run.json'), 'utf8')).toContain('"trigger": "sks"');
  });

  it("renders a checkpoint's EMA as its own cells when asked, and says so when the run kept none", async () => {
    const cacheDir = join(root, 'cache-ema');
    const one = { cacheDir, checkpoints: [4], scales: [1] };
    await expect(renderGrid(renderer, request({ ...one, weights: 'ema' }))).rejects.toThrow(/holds no EMA of the adapter/);
    // An all-zero average: the EMA cells must be the base model's pixels, while the trained ones differ from them.
    const path = checkpointAt(runDir, 4).path;
    const c = readCheckpoint(path);
    writeCheckpoint(path, { ...c, ema: c.params.map(() => 0) });
    const trained = await renderGrid(renderer, request(one));
    const ema = await renderGrid(renderer, request({ ...one, weights: 'ema' }));
    expect(ema.cells.filter((cell) => cell.step !== null).every((cell) => !cell.cached)).toBe(true);
    for (const row of [0, 1]) {
      const [base, trainedCell, emaCell] = [trained.cells[row * 2]!, trained.cells[row * 2 + 1]!, ema.cells[row * 2 + 1]!];
      expect(emaCell.file).not.toBe(trainedCell.file);
      expect((await pixels(emaCell.file)).equals(await pixels(base.file))).toBe(true);
      expect((await pixels(trainedCell.file)).equals(await pixels(base.file))).toBe(false);
    }
    expect((await renderGrid(renderer, request({ ...one, weights: 'ema' }))).cells.every((cell) => cell.cached)).toBe(true);
  });
});
