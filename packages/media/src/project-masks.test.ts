import { ProjectStore } from '@lora-studio/store';
import { existsSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DatasetCatalog, UnknownImages } from './catalog';
import { importFiles } from './import';
import { MaskUnreadable, paintedMaskPath, projectMaskPng, ProjectMasks } from './project-masks';
import { bombPng, photoJpeg } from './test-images';

let store: ProjectStore;
let id: number;
beforeEach(async () => {
  store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-masks-')), 'p'), { name: 'Masks', type: 'subject', trigger: 'sks' });
  const src = mkdtempSync(join(tmpdir(), 'ls-masks-src-'));
  writeFileSync(join(src, 'a.jpg'), await photoJpeg(3, 64, 48));
  const summary = await importFiles(store, [src]);
  id = summary.files[0]!.imageId!;
});
afterEach(() => store.close());

/** A grey PNG of the given size, white on the left `whiteShare` of each row, black elsewhere (as a page paints it). */
async function halfMask(width: number, height: number, whiteShare = 0.5): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) pixels.fill(255, y * width, y * width + Math.round(width * whiteShare));
  // RGBA, as a canvas exports it.
  return sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('srgb').ensureAlpha().png().toBuffer();
}

const maskFiles = () => readdirSync(join(store.dir, 'images')).filter((f) => f.includes('-mask'));

it('stores a painted mask grey at the image size (stretched from the size it was painted at), and the image names it', async () => {
  const file = await new ProjectMasks(store).set(id, await halfMask(32, 24));
  const image = new DatasetCatalog(store).get(id)!;
  expect(image.mask).toBe(file);
  expect(file).toMatch(new RegExp(`^images/${image.hash}-mask-[0-9a-f]{16}\\.png$`));
  const meta = await sharp(join(store.dir, file!)).metadata();
  expect([meta.width, meta.height, meta.channels]).toEqual([64, 48, 1]);
  const data = await sharp(join(store.dir, file!)).extractChannel(0).raw().toBuffer();
  // White where painted, black where not (the seam is left out: the stretch blends the two columns there).
  expect(data[10 * 64 + 5]).toBe(255);
  expect(data[10 * 64 + 60]).toBe(0);
});

it('replaces a mask with a new file (a cached old one is never shown as the new) and removes the old; removing clears both', async () => {
  const masks = new ProjectMasks(store);
  const first = await masks.set(id, await halfMask(64, 48, 0.5));
  const second = await masks.set(id, await halfMask(64, 48, 0.25));
  expect(second).not.toBe(first);
  expect(maskFiles()).toEqual([second!.slice('images/'.length)]);
  // The same mask again keeps its name.
  expect(await masks.set(id, await halfMask(64, 48, 0.25))).toBe(second);
  expect(await masks.set(id, null)).toBeNull();
  expect(new DatasetCatalog(store).get(id)!.mask).toBeNull();
  expect(maskFiles()).toEqual([]);
});

it('refuses what is not a readable image, a decompression bomb, an SVG and an unknown image, changing nothing', async () => {
  const masks = new ProjectMasks(store);
  const kept = await masks.set(id, await halfMask(8, 6));
  await expect(masks.set(id, Buffer.from('not a picture'))).rejects.toBeInstanceOf(MaskUnreadable);
  await expect(masks.set(id, await bombPng())).rejects.toBeInstanceOf(MaskUnreadable);
  // Only PNG, JPEG and WebP: an SVG (which may name other files) is never decoded.
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="6"><rect width="8" height="6" fill="white"/></svg>');
  await expect(masks.set(id, svg)).rejects.toBeInstanceOf(MaskUnreadable);
  await expect(masks.set(id + 100, await halfMask(8, 6))).rejects.toBeInstanceOf(UnknownImages);
  expect(new DatasetCatalog(store).get(id)!.mask).toBe(kept);
  expect(maskFiles()).toEqual([kept!.slice('images/'.length)]);
});

it('never writes through a link planted under the mask file name', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'ls-masks-outside-'));
  const png = await halfMask(64, 48);
  const image = new DatasetCatalog(store).get(id)!;
  const target = paintedMaskPath(image.hash, await projectMaskPng(png, 64, 48));
  symlinkSync(join(outside, 'victim.png'), join(store.dir, target));
  await expect(new ProjectMasks(store).set(id, png)).rejects.toThrow(/outside|link/);
  expect(existsSync(join(outside, 'victim.png'))).toBe(false);
  expect(new DatasetCatalog(store).get(id)!.mask).toBeNull();
});
