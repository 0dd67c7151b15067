import { existsSync } from 'node:fs';
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

/** The card of the image imported from `name`. */
const card = (page: Page, name: string) => page.locator(`[data-testid="image-card"][aria-label^="${name}"]`);
const slot = (page: Page, n: number) => page.locator(`[data-testid="reference-slot"][data-slot="${n}"]`);

describe('Reference images in the Dataset view, browser mode', () => {
  it('drops one image onto another\'s reference slot, keeps it over a reload, removes it, and generates with a reference', async () => {
    const dir = join(studio.home, 'projects', 'references-e2e');
    await openNewProject(page, studio.url, { name: 'References e2e', trigger: 'sks', type: 'style', dir });
    const picked = join(studio.home, 'picked-references');
    const before = join(picked, 'before.png');
    const after = join(picked, 'after.png');
    await writePlainPng(before, 640, 480, { r: 30, g: 60, b: 200 });
    await writePlainPng(after, 640, 480, { r: 225, g: 195, b: 55 });
    await importPicked(page, [before, after]);

    await card(page, 'after.png').click();
    await page.getByTestId('reference-slots').waitFor();
    expect(await page.locator('[data-testid="reference-slot"][data-filled="true"]').count()).toBe(0);
    await card(page, 'before.png').dragTo(slot(page, 0));
    await page.locator('[data-testid="reference-slot"][data-slot="0"][data-filled="true"]').waitFor();
    // The grid marks the image that has references.
    await card(page, 'after.png').getByTestId('image-card-references').waitFor();
    expect(await card(page, 'before.png').getByTestId('image-card-references').count()).toBe(0);
    await screenshot(page, 'reference-dropped');

    // After a reload the reference is still there, and its file is the "before" picture's pixels.
    await page.reload();
    await card(page, 'after.png').click();
    await page.locator('[data-testid="reference-slot"][data-slot="0"][data-filled="true"]').waitFor();
    const src = await slot(page, 0).locator('img').getAttribute('src');
    const file = join(dir, new URL(src!, 'http://studio').searchParams.get('path')!);
    expect(existsSync(file)).toBe(true);
    const stats = await sharp(file).stats();
    expect(stats.channels.slice(0, 3).map((c) => Math.round(c.mean))).toEqual([30, 60, 200]);

    // An image cannot be its own reference: the slot says so and stays as it was.
    await card(page, 'after.png').dragTo(slot(page, 1));
    await page.getByTestId('reference-error').waitFor();
    expect(await slot(page, 1).getAttribute('data-filled')).toBe('false');

    await slot(page, 0).getByTestId('reference-remove').click();
    await page.locator('[data-testid="reference-slot"][data-slot="0"][data-filled="false"]').waitFor();
    expect(existsSync(file)).toBe(false);

    // Generate reads project images as references: "before" in the first slot, and an image is made with it.
    await page.getByTestId('section-tab-generate').click();
    await page.locator('[data-testid="generate-reference"][data-slot="0"]').selectOption({ label: 'before.png' });
    await page.getByTestId('generate-steps').fill('2');
    await page.getByTestId('generate-submit').click();
    await expect.poll(() => page.getByTestId('generated-image').count(), { timeout: 60_000 }).toBe(1);
    await screenshot(page, 'generate-with-reference');
  }, 300_000);
});
