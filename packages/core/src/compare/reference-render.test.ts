// Generate and the Compare grid with FLUX.2 reference images (edit LoRAs): the reference reaches the picture, the
// same reference renders the same pixels, each call encodes its references once (not once per image), grid cells are
// cached by the references' content, and bad requests are refused with a reason.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '@lora-studio/api';
import { readRunDescription } from '@lora-studio/trainer';
import { generateImages } from './generate';
import { renderGrid } from './grid';
import { ImageRenderer } from './renderer';
import { tinyRun } from './test-runs';

let root: string;
let runDir: string;
let renderer: ImageRenderer;
let red: string;
let blue: string;

const solid = async (path: string, colour: string) => {
  writeFileSync(path, await sharp({ create: { width: 24, height: 24, channels: 3, background: colour } }).png().toBuffer());
  return path;
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ls-reference-render-'));
  runDir = await tinyRun(root);
  renderer = await ImageRenderer.open(readRunDescription(runDir).base, { threads: 1 });
  red = await solid(join(root, 'red.png'), '#e03030');
  blue = await solid(join(root, 'blue.png'), '#3040e0');
}, 60_000);

afterAll(async () => renderer?.close());

const generate = async (references?: string[]) => {
  const [image] = await generateImages(renderer, { prompt: 'a sks disc', seed: 4, steps: 3, references });
  return Buffer.from(image!.image.data);
};

describe('generating with reference images', () => {
  it('reads the reference: with one the picture changes, the same one renders the same pixels, another one others', async () => {
    const plain = await generate();
    const withRed = await generate([red]);
    expect(withRed.equals(plain)).toBe(false);
    expect((await generate([red])).equals(withRed)).toBe(true);
    expect((await generate([blue])).equals(withRed)).toBe(false);
    // The order matters too: the first reference sits at time position 10, the second at 20.
    expect((await generate([red, blue])).equals(await generate([blue, red]))).toBe(false);
    // And the pictures without references are still the ones they were.
    expect((await generate()).equals(plain)).toBe(true);
  });

  it('encodes each reference once per call, however many images it makes, and reads the file again on the next call', async () => {
    // Counts the real encoder's calls; every call still goes through to it.
    const encode = vi.spyOn(renderer.model.encoders, 'encodeImage');
    try {
      const batch = async () => (await generateImages(renderer, { prompt: 'a sks disc', seed: 4, steps: 2, batch: 3, references: [blue, red] })).map((g) => Buffer.from(g.image.data));
      const first = await batch();
      expect(encode).toHaveBeenCalledTimes(2);
      encode.mockClear();
      const request = { runDir, prompts: ['a sks disc', 'a sks ring'], checkpoints: 'all' as const, scales: [0.5, 1], seed: 7, steps: 2, cacheDir: join(root, 'grid-once'), references: [blue] };
      const grid = await renderGrid(renderer, request);
      expect(grid.cells.length).toBeGreaterThan(2);
      expect(encode).toHaveBeenCalledTimes(1);
      encode.mockClear();
      // Not a cache kept by path: the same file name with other pixels is read again by the next call.
      const other = await solid(join(root, 'changing.png'), '#3040e0');
      const before = await generate([other]);
      await solid(other, '#e0e030');
      expect((await generate([other])).equals(before)).toBe(false);
      expect(first).toHaveLength(3);
    } finally {
      encode.mockRestore();
    }
  });

  it('refuses a fourth reference and a file that is not a picture, saying why', async () => {
    await expect(generate([red, blue, red, blue])).rejects.toThrow(InvalidInputError);
    const broken = join(root, 'broken.png');
    writeFileSync(broken, 'not a picture');
    await expect(generate([broken])).rejects.toThrow(/reference image .*broken\.png could not be read/);
  });

  it('grid cells with references are cached by the references\' content', async () => {
    const request = { runDir, prompts: ['a sks disc'], checkpoints: 'all' as const, scales: [1], seed: 2, steps: 2, cacheDir: join(root, 'grid-cache') };
    const plain = await renderGrid(renderer, request);
    const referenced = await renderGrid(renderer, { ...request, references: [red] });
    expect(referenced.cells.every((c) => !c.cached)).toBe(true);
    expect(referenced.cells.map((c) => c.file)).not.toEqual(plain.cells.map((c) => c.file));
    expect((await renderGrid(renderer, { ...request, references: [red] })).cells.every((c) => c.cached)).toBe(true);
    // The same file name with other pixels is another reference: its cells render again.
    await solid(red, '#30e030');
    expect((await renderGrid(renderer, { ...request, references: [red] })).cells.every((c) => !c.cached)).toBe(true);
  });
});
