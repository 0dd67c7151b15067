import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { withStudioPages } from './support/lifecycle';
import { screenshot } from './support/screenshot';
import type { StudioUnderTest } from './support/studio';
import { createProject } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
});

/** A distinct 640×640 JPEG per seed: a colour gradient with a little texture, so no two images share a hash. */
async function testImage(seed: number): Promise<Buffer> {
  const size = 640;
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const grain = ((x * 7919 + y * 104729 + seed * 31) % 23) - 11;
      pixels[i] = Math.max(0, Math.min(255, ((x + seed * 90) % 256) + grain));
      pixels[i + 1] = Math.max(0, Math.min(255, ((y + seed * 40) % 256) + grain));
      pixels[i + 2] = Math.max(0, Math.min(255, 60 * seed + grain + 40));
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Browser mode's upload route, as a drag-and-drop from the Dataset view sends it. */
async function upload(projectDir: string, name: string, body: Buffer): Promise<void> {
  const url = new URL(studio.url);
  const token = url.searchParams.get('token')!;
  const res = await fetch(`${url.origin}/upload?dir=${encodeURIComponent(projectDir)}&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const rows = (page: Page) => page.getByTestId('caption-row');
const rowText = (page: Page, i: number) => rows(page).nth(i).getByTestId('caption-row-text');
const captionInput = (page: Page) => page.getByTestId('caption-input');

async function waitSelected(page: Page, i: number): Promise<void> {
  await rows(page).nth(i).and(page.locator('[aria-selected="true"]')).waitFor();
}

async function waitRowText(page: Page, i: number, text: string): Promise<void> {
  await expect.poll(() => rowText(page, i).textContent()).toBe(text);
}

describe('Captions view in browser mode', () => {
  it('edits with the keyboard, finds and replaces with a preview, undoes it, marks reviewed, and keeps it all across a reload', async () => {
    const dir = join(studio.home, 'projects', 'caption-e2e');
    await page.goto(studio.url);
    await createProject(page, { name: 'Caption e2e', trigger: 'sks', type: 'subject', dir });
    for (const seed of [1, 2, 3]) await upload(dir, `photo-${seed}.jpg`, await testImage(seed));

    await page.getByTestId('section-tab-captions').click();
    await page.getByTestId('section-captions').waitFor();
    await expect.poll(() => rows(page).count()).toBe(3);
    expect(await page.getByTestId('captions-progress').textContent()).toContain('0 / 3 reviewed');
    await waitSelected(page, 0);

    // Type three captions, moving with Ctrl+↓; the next image's caption takes the keys at once.
    await captionInput(page).click();
    await page.keyboard.type('a photo of sks person smiling in a park, red hair');
    await page.keyboard.press('Control+ArrowDown');
    await waitSelected(page, 1);
    await page.keyboard.type('a photo of sks person reading on a bench, red hair');
    await page.keyboard.press('Control+ArrowDown');
    await waitSelected(page, 2);
    await page.keyboard.type('red hair, studio portrait');
    // Live lint while typing: the trigger word is missing, until one click inserts the guide's phrase.
    await page.locator('[data-testid="caption-lint"] [data-rule="trigger-missing"]').waitFor();
    await page.getByTestId('insert-trigger').click();
    expect(await captionInput(page).inputValue()).toBe('a photo of sks person, red hair, studio portrait');
    await page.locator('[data-testid="caption-lint"] [data-rule="trigger-missing"]').waitFor({ state: 'detached' });
    expect(await page.getByTestId('caption-tokens').textContent()).toMatch(/^\d+ \/ 512 tokens$/);
    await captionInput(page).focus();
    await page.keyboard.press('Control+ArrowUp');
    await waitSelected(page, 1);
    await waitRowText(page, 0, 'a photo of sks person smiling in a park, red hair');
    await waitRowText(page, 1, 'a photo of sks person reading on a bench, red hair');
    await waitRowText(page, 2, 'a photo of sks person, red hair, studio portrait');

    // Find and replace: every change is previewed, with a live count, before anything is written.
    await page.getByTestId('captions-tab-batch').click();
    await page.getByTestId('batch-find').fill('red hair');
    await page.getByTestId('batch-replace').fill('short grey hair');
    await expect.poll(() => page.getByTestId('batch-change').count()).toBe(3);
    expect(await page.getByTestId('batch-apply').textContent()).toBe('Replace 3 instances');
    expect(await page.getByTestId('batch-change-after').first().textContent()).toBe('a photo of sks person smiling in a park, short grey hair');
    expect(await rowText(page, 0).textContent()).toContain('red hair');
    await page.getByTestId('batch-apply').click();
    await waitRowText(page, 0, 'a photo of sks person smiling in a park, short grey hair');
    await waitRowText(page, 2, 'a photo of sks person, short grey hair, studio portrait');

    // Undo is named after the step and asks first, because the step changed many captions.
    expect(await page.getByTestId('captions-undo').getAttribute('title')).toBe('Undo “Find and replace "red hair" → "short grey hair"” (Ctrl+Z)');
    await page.getByTestId('batch-apply').focus();
    await page.keyboard.press('Control+z');
    await page.getByTestId('undo-confirm').waitFor();
    await page.getByTestId('undo-confirm-confirm').click();
    await waitRowText(page, 0, 'a photo of sks person smiling in a park, red hair');
    await waitRowText(page, 2, 'a photo of sks person, red hair, studio portrait');
    expect(await page.getByTestId('captions-redo').getAttribute('title')).toContain('Find and replace');

    // Mark reviewed and move on; Ctrl+J jumps to the next image not reviewed yet.
    await page.getByTestId('captions-tab-caption').click();
    await rows(page).nth(0).click();
    await waitSelected(page, 0);
    await page.keyboard.press('Control+Enter');
    await waitSelected(page, 1);
    await expect.poll(() => rows(page).nth(0).getAttribute('data-state')).toBe('reviewed');
    await expect.poll(() => page.getByTestId('captions-progress').textContent()).toContain('1 / 3 reviewed');
    await page.keyboard.press('Control+j');
    await waitSelected(page, 2);
    await page.keyboard.press('Control+j');
    await waitSelected(page, 1);

    // Everything was saved as it happened: a reload shows the same captions, states and history.
    await page.reload();
    await expect.poll(() => rows(page).count()).toBe(3);
    await waitRowText(page, 0, 'a photo of sks person smiling in a park, red hair');
    await waitRowText(page, 1, 'a photo of sks person reading on a bench, red hair');
    await waitRowText(page, 2, 'a photo of sks person, red hair, studio portrait');
    expect(await rows(page).nth(0).getAttribute('data-state')).toBe('reviewed');
    expect(await rows(page).nth(1).getAttribute('data-state')).not.toBe('reviewed');
    expect(await page.getByTestId('captions-progress').textContent()).toContain('1 / 3 reviewed');
    expect(await page.getByTestId('captions-undo').getAttribute('title')).toBe('Undo “Mark reviewed” (Ctrl+Z)');

    // "red hair" is in every caption: the lint calls it a leak, in the editor and in the project report.
    await rows(page).nth(2).click();
    await page.locator('[data-testid="caption-lint"] [data-rule="leak"]').waitFor();
    await page.locator('.caption-backdrop mark.mark-trigger').first().waitFor();
    await screenshot(page, 'captions');
    await page.getByTestId('captions-tab-report').click();
    expect(await page.getByTestId('leak-row').first().textContent()).toContain('red hair');
  });
});
