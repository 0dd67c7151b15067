import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writePlainPng } from './support/dataset-photos';
import { withStudioPages } from './support/lifecycle';
import { screenshot } from './support/screenshot';
import type { StudioUnderTest } from './support/studio';
import { importPicked, openNewProject } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
});

const WIDTH = 600;
const HEIGHT = 400;

/** The mask file the overlay shows, on disk (its path is the `path` of its media URL). */
async function overlayFile(page: Page, dir: string): Promise<string> {
  const src = await page.getByTestId('image-mask-overlay').getAttribute('src');
  return join(dir, new URL(src!, 'http://studio').searchParams.get('path')!);
}

/** Grey value of the stored mask at a point given in the image's pixels. */
async function maskValue(file: string, x: number, y: number): Promise<number> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([WIDTH, HEIGHT]);
  return data[y * info.width + x]!;
}

describe('Masks in the Dataset view, browser mode', () => {
  it('paints a stroke, saves it as the image mask (white where painted), shows it after a reload, and removes it', async () => {
    const dir = join(studio.home, 'projects', 'mask-e2e');
    await openNewProject(page, studio.url, { name: 'Mask e2e', trigger: 'sks', type: 'subject', dir });
    const photo = join(studio.home, 'picked', 'portrait.png');
    await writePlainPng(photo, WIDTH, HEIGHT, { r: 190, g: 150, b: 110 });
    await importPicked(page, [photo]);
    await page.getByTestId('image-card').first().click();
    await page.getByTestId('image-panel').waitFor();
    expect(await page.getByTestId('image-mask-overlay').count()).toBe(0);

    // A horizontal stroke across the left half's middle, with the brush at 40 painted pixels.
    await page.getByTestId('image-mask-edit').click();
    await page.locator('[data-testid="mask-editor"][data-ready="true"]').waitFor();
    expect(await page.getByTestId('mask-share').textContent()).toMatch(/^Black everywhere: this image teaches nothing/);
    await page.getByTestId('mask-size').fill('40');
    const box = (await page.getByTestId('mask-canvas').boundingBox())!;
    const toPage = (x: number, y: number) => [box.x + (x / WIDTH) * box.width, box.y + (y / HEIGHT) * box.height] as const;
    await page.mouse.move(...toPage(60, 200));
    await page.mouse.down();
    for (const x of [100, 150, 200, 240]) await page.mouse.move(...toPage(x, 200));
    await page.mouse.up();
    // A 180 × 40 stroke with round ends on a 600 × 400 picture: about 3 %.
    expect(await page.getByTestId('mask-share').textContent()).toMatch(/^Learns from [2-5] % of the picture\.$/);
    await screenshot(page, 'mask-painting');
    await page.getByTestId('mask-save').click();
    await page.getByTestId('mask-editor').waitFor({ state: 'detached' });
    await page.getByTestId('image-mask-overlay').waitFor();

    // After a reload the image still has its mask, shown over the picture; the file holds the stroke.
    await page.reload();
    await page.getByTestId('image-card').first().click();
    await page.getByTestId('image-mask-overlay').waitFor();
    const file = await overlayFile(page, dir);
    expect(existsSync(file)).toBe(true);
    expect(await maskValue(file, 150, 200)).toBe(255);
    expect(await maskValue(file, 150, 250)).toBe(0);
    expect(await maskValue(file, 500, 200)).toBe(0);
    expect(await page.getByTestId('image-metrics').textContent()).toContain('learns where white');
    expect(await page.getByTestId('image-card-mask').count()).toBe(1);

    // The overlay toggles; invert edits the stored mask, which is saved under a new name.
    await page.getByTestId('image-mask-toggle').uncheck();
    expect(await page.getByTestId('image-mask-overlay').count()).toBe(0);
    await page.getByTestId('image-mask-toggle').check();
    // Undo (Ctrl+Z) takes an edit back: saved, it is the very same mask file.
    await page.getByTestId('image-mask-edit').click();
    await page.locator('[data-testid="mask-editor"][data-ready="true"]').waitFor();
    await page.getByTestId('mask-invert').click();
    await page.keyboard.press('Control+z');
    await page.getByTestId('mask-save').click();
    await page.getByTestId('mask-editor').waitFor({ state: 'detached' });
    expect(await overlayFile(page, dir)).toBe(file);
    expect(existsSync(file)).toBe(true);
    await page.getByTestId('image-mask-edit').click();
    await page.locator('[data-testid="mask-editor"][data-ready="true"]').waitFor();
    await page.getByTestId('mask-invert').click();
    await page.getByTestId('mask-save').click();
    await page.getByTestId('mask-editor').waitFor({ state: 'detached' });
    await expect.poll(() => overlayFile(page, dir)).not.toBe(file);
    const inverted = await overlayFile(page, dir);
    expect(existsSync(file)).toBe(false);
    expect(await maskValue(inverted, 150, 200)).toBe(0);
    expect(await maskValue(inverted, 500, 200)).toBe(255);

    await page.getByTestId('image-mask-remove').click();
    await page.getByTestId('image-mask-overlay').waitFor({ state: 'detached' });
    expect(existsSync(inverted)).toBe(false);
    expect(await page.getByTestId('image-mask-edit').textContent()).toBe('Paint mask');
  }, 300_000);

  it('keeps NAME_mask.png picked beside NAME.png as the image mask, not as an image', async () => {
    const dir = join(studio.home, 'projects', 'mask-import-e2e');
    await openNewProject(page, studio.url, { name: 'Mask import e2e', trigger: 'sks', type: 'subject', dir });
    const picked = join(studio.home, 'picked-pair');
    await writePlainPng(join(picked, 'pet.png'), WIDTH, HEIGHT, { r: 90, g: 120, b: 160 });
    // White on the right half: learn there, ignore the left.
    const mask = Buffer.alloc(WIDTH * HEIGHT);
    for (let y = 0; y < HEIGHT; y++) mask.fill(255, y * WIDTH + WIDTH / 2, (y + 1) * WIDTH);
    writeFileSync(join(picked, 'pet_mask.png'), await sharp(mask, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).png().toBuffer());
    await importPicked(page, [join(picked, 'pet_mask.png'), join(picked, 'pet.png')]);
    expect(await page.getByTestId('import-headline').textContent()).toBe('Import finished: 1 imported');
    await expect.poll(() => page.getByTestId('image-card').count()).toBe(1);
    await page.getByTestId('image-card').first().click();
    await page.getByTestId('image-mask-overlay').waitFor();
    const file = await overlayFile(page, dir);
    expect([await maskValue(file, 100, 200), await maskValue(file, 500, 200)]).toEqual([0, 255]);
  }, 300_000);
});
