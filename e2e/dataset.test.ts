import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, type StudioPage } from './support/browser';
import { datasetPhotos, type GeneratedPhoto } from './support/dataset-photos';
import { screenshot } from './support/screenshot';
import { startStudio, type StudioUnderTest } from './support/studio';
import { createProject, waitForConnected, waitForImportFinished } from './support/studio-ui';

let studio: StudioUnderTest;
let browser: Browser;
let tab: StudioPage;
let page: Page;
let photos: Awaited<ReturnType<typeof datasetPhotos>>;

beforeAll(async () => {
  // Making the photos overlaps with starting the host and Chromium.
  [studio, browser, photos] = await Promise.all([startStudio(), launchChromium(), datasetPhotos()]);
  tab = await openPage(browser);
  page = tab.page;
});
afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

/** A drop as the browser delivers it: dragenter, dragover and drop carrying the files, on the Dataset view. */
async function dropFiles(files: GeneratedPhoto[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, base64: f.buffer.toString('base64') }));
  await page.evaluate((items) => {
    const data = new DataTransfer();
    for (const item of items) {
      const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
      data.items.add(new File([bytes], item.name, { type: item.type }));
    }
    const view = document.querySelector('[data-testid="section-dataset"]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) view.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
  }, payload);
}

const counter = () => page.getByTestId('dataset-counter').textContent();
const cards = () => page.getByTestId('image-card');
const healthFlag = (id: string) => page.getByTestId(`health-flag-${id}`);

describe('Dataset view in browser mode', () => {
  it('imports 30 dropped photos, flags the bad ones, and keeps an exclusion across a reload', async () => {
    await page.goto(studio.url);
    await waitForConnected(page);
    await createProject(page, { name: 'Dataset e2e', trigger: 'sks', type: 'subject' });
    await page.getByTestId('dataset-empty').waitFor();
    expect(await counter()).toBe('0 images (0 total)');

    // 29 distinct photos through the Add button's file input (from disk: Chromium reads them itself, which is quicker
    // than sending their bytes through the driver).
    const picked = join(studio.home, 'picked');
    mkdirSync(picked);
    const paths = photos.unique.map(({ name, buffer }) => {
      writeFileSync(join(picked, name), buffer);
      return join(picked, name);
    });
    await page.getByTestId('dataset-add-input').setInputFiles(paths);
    await page.getByTestId('import-progress').waitFor();
    await waitForImportFinished(page);
    expect(await page.getByTestId('import-headline').textContent()).toBe('Import finished: 29 imported');
    await expect.poll(counter).toBe('29 images (29 total)');

    // The 30th, an exact copy under another name, dropped on the view: refused with the services' reason.
    await page.getByTestId('import-dismiss').click();
    await dropFiles([photos.exactCopy]);
    await waitForImportFinished(page);
    const duplicate = page.locator('[data-testid="import-file"][data-status="duplicate"]');
    expect(await duplicate.textContent()).toContain('copy-of-photo-02.jpg');
    expect(await page.getByTestId('import-headline').textContent()).toBe('Import finished: 0 imported, 1 already in the project');
    expect(await counter()).toBe('29 images (29 total)');

    // Virtualized: the grid holds only the rows in view, not all 29 cards.
    const rendered = await cards().count();
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(29);

    // The health panel: count against the subject band, resolution, every warning with its images.
    const health = page.getByTestId('health-panel');
    await health.waitFor();
    expect(await page.getByTestId('health-count').getAttribute('data-status')).toBe('ok');
    expect(await page.getByTestId('health-count').textContent()).toContain('29 included');
    expect(await page.getByTestId('health-resolution').textContent()).toContain('Below 512 px7%');
    expect(await healthFlag('blurry').textContent()).toMatch(/Blurry\s*3$/);
    expect(await healthFlag('low-resolution').textContent()).toMatch(/2$/);
    expect(await healthFlag('near-duplicate').textContent()).toMatch(/2$/);
    const warnings = await page.getByTestId('health-warning').allTextContents();
    expect(warnings.some((w) => w.includes('near-identical'))).toBe(true);
    expect(warnings.some((w) => w.includes('Looks blurry: the guide asks for every image to be sharp.'))).toBe(true);

    // A flag filter: only the blurry photos, each with its badge.
    await healthFlag('blurry').click();
    await expect.poll(counter).toBe('3 images (29 total)');
    expect(await cards().count()).toBe(3);
    expect(await page.locator('[data-testid="image-card"] [data-flag="blurry"]').count()).toBe(3);
    await healthFlag('blurry').click();
    await expect.poll(counter).toBe('29 images (29 total)');

    // A warning's images: the near-duplicate pair.
    const nearDuplicates = page.getByTestId('health-warning').filter({ hasText: 'near-identical' });
    await nearDuplicates.getByTestId('health-warning-show').click();
    await expect.poll(counter).toBe('2 images (29 total)');
    const names = await page.locator('[data-testid="image-card"] .image-card-name').allTextContents();
    expect(names.sort()).toEqual(['photo-01-resaved.jpg', 'photo-01.jpg']);
    await page.getByTestId('dataset-focus').getByRole('button').click();
    await expect.poll(counter).toBe('29 images (29 total)');

    // Select with the mouse, move with the keyboard, exclude with X, close with Esc.
    await cards().first().click();
    await page.getByTestId('image-panel').waitFor();
    expect(await counter()).toBe('Image 1 / 29 (29 total)');
    await page.keyboard.press('ArrowRight');
    await expect.poll(counter).toBe('Image 2 / 29 (29 total)');
    const panel = page.getByTestId('image-panel');
    const excludedId = await panel.getAttribute('data-image-id');
    expect(await panel.getByTestId('image-metrics').textContent()).toContain('1024 × 1024 px');
    await page.keyboard.press('x');
    const excludedCard = page.locator(`[data-testid="image-card"][data-image-id="${excludedId}"]`);
    await expect.poll(() => excludedCard.getAttribute('data-excluded')).toBe('true');
    await expect.poll(() => panel.getByTestId('image-exclude-toggle').textContent()).toBe('Include in training');
    await page.keyboard.press('Escape');
    await page.getByTestId('image-panel').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('health-count').textContent()).toContain('28 included');

    // The exclusion is kept in the project: a reload shows it again.
    await page.reload();
    await waitForConnected(page);
    await excludedCard.waitFor();
    expect(await excludedCard.getAttribute('data-excluded')).toBe('true');
    expect(await page.getByTestId('health-count').textContent()).toContain('28 included');
    expect(await counter()).toBe('29 images (29 total)');

    // Every thumbnail in view was served (a broken /media URL would leave it at zero width).
    await expect
      .poll(() => page.locator('[data-testid="image-card"] img').evaluateAll((imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length))
      .toBe(0);
    await screenshot(page, 'dataset');

    // Sorted by sharpness, the blurry photos come first.
    await page.getByTestId('dataset-sort').selectOption('sharpness');
    await expect.poll(() => page.locator('[data-testid="image-card"] .image-card-name').first().textContent()).toMatch(/^blurred-/);
    await cards().first().click();
    expect(await page.getByTestId('image-flags').textContent()).toContain('Looks blurry');
    await screenshot(page, 'dataset-image');

    // Crop: drag a box over the middle of the image and save it; the original stays, the box is stored.
    await page.getByTestId('image-crop').click();
    const frame = page.locator('.crop-frame');
    const box = (await frame.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.9, { steps: 4 });
    await page.mouse.up();
    expect(await page.getByTestId('crop-size').textContent()).toMatch(/^8\d\d × 8\d\d px/);
    await page.getByTestId('crop-save').click();
    await expect.poll(() => page.getByTestId('image-metrics').textContent()).toMatch(/Crop8\d\d × 8\d\d at \(1\d\d, 1\d\d\)/);
    expect(await cards().first().locator('.image-card-cropped').count()).toBe(1);

    expect(tab.pageErrors, 'errors inside the page').toEqual([]);
  });
});
