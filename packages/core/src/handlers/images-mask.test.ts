import { loadDataset } from '@lora-studio/trainer';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { createStudio } from '../index';

function studio() {
  const home = mkdtempSync(join(tmpdir(), 'ls-core-masks-'));
  const events: { name: string; payload: any }[] = [];
  const s = createStudio({ home, mode: 'browser', emit: (name, payload) => events.push({ name, payload }) });
  return { ...s, home, events };
}

/** A project with one imported photo (48×32). */
async function projectWithImage(s: ReturnType<typeof studio>) {
  const p = (await s.dispatcher.call(1, 'project-create', { name: 'Mask test', type: 'subject', trigger: 'sks' })) as any;
  const dir = p.result.dir as string;
  const src = join(mkdtempSync(join(tmpdir(), 'ls-core-masks-src-')), 'a.png');
  await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 180, g: 90, b: 40 } } }).png().toFile(src);
  const imported = (await s.dispatcher.call(2, 'images-import', { dir, paths: [src] })) as any;
  return { dir, id: imported.result.files[0].imageId as number };
}

/** White top half, black bottom half, at a quarter of the image's size (as the page may paint it). */
async function topHalfPng(): Promise<string> {
  const pixels = Buffer.alloc(12 * 8);
  pixels.fill(255, 0, 12 * 4);
  return (await sharp(pixels, { raw: { width: 12, height: 8, channels: 1 } }).png().toBuffer()).toString('base64');
}

it('images-set-mask stores the mask in the project, training reads it (its bytes in the dataset), and null clears it', async () => {
  const s = studio();
  const { dir, id } = await projectWithImage(s);
  const set = await s.dispatcher.call(3, 'images-set-mask', { dir, id, png: await topHalfPng() });
  if (!set.ok) throw new Error(set.error.message);
  const image = set.result as any;
  expect(image.mask).toMatch(/^images\/[0-9a-f]{64}-mask-[0-9a-f]{16}\.png$/);
  expect(s.events.some((e) => e.name === 'images-changed' && e.payload.ids?.includes(id))).toBe(true);
  const stored = join(dir, image.mask);
  const { data, info } = await sharp(stored).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([48, 32]);
  expect([data[2 * 48 + 10], data[30 * 48 + 10]]).toEqual([255, 0]);

  // The trainer reads the same file, and its hash (part of the dataset's) follows the mask's bytes.
  const trained = loadDataset(dir, { folderCacheDir: join(s.home, 'unused') }).images[0]!;
  expect(trained.mask).toMatchObject({ path: stored, hash: createHash('sha256').update(readFileSync(stored)).digest('hex') });

  const cleared = await s.dispatcher.call(4, 'images-set-mask', { dir, id, png: null });
  expect(cleared.ok && (cleared.result as any).mask).toBeNull();
  expect(existsSync(stored)).toBe(false);
  expect(loadDataset(dir, { folderCacheDir: join(s.home, 'unused') }).images[0]!.mask).toBeNull();
});

it('refuses a mask that is not an image, is not base64, or names an unknown image, with what to do', async () => {
  const s = studio();
  const { dir, id } = await projectWithImage(s);
  const notImage = await s.dispatcher.call(5, 'images-set-mask', { dir, id, png: Buffer.from('hello').toString('base64') });
  expect(notImage.ok || notImage.error).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/not a readable image.*PNG/) });
  const notBase64 = await s.dispatcher.call(6, 'images-set-mask', { dir, id, png: 'not base64!' });
  expect(notBase64.ok || notBase64.error.message).toMatch(/base64/);
  const unknown = await s.dispatcher.call(7, 'images-set-mask', { dir, id: id + 50, png: await topHalfPng() });
  expect(unknown.ok || unknown.error).toMatchObject({ code: 'not-found' });
  const image = (await s.dispatcher.call(8, 'images-get', { dir, id })) as any;
  expect(image.result.mask).toBeNull();
});
