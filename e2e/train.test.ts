import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { withStudioPages } from './support/lifecycle';
import { importSampleDataset } from './support/sample-dataset';
import { screenshot } from './support/screenshot';
import type { StudioUnderTest } from './support/studio';
import { createProject } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
});

// The worker loads and compiles the model before its first step (about 30 s on 2 busy cores); steps follow quickly.
const LONG = { timeout: 240_000 };
const status = (page: Page) => page.getByTestId('run-status').getAttribute('data-status');
const lastStep = async (page: Page) => Number(await page.getByTestId('loss-chart').getAttribute('data-last-step'));

async function setField(page: Page, key: string, value: string): Promise<void> {
  await page.getByTestId(`train-field-${key}`).fill(value);
}

describe('Train view in browser mode', () => {
  it('starts a short run on the built-in model, follows it live, pauses and resumes, and keeps the curve across a reload', async () => {
    const dir = join(studio.home, 'projects', 'train-e2e');
    await page.goto(studio.url);
    await createProject(page, { name: 'Train e2e', trigger: 'flt', type: 'style', dir });
    expect(await importSampleDataset(studio.url, dir)).toBeGreaterThanOrEqual(30);

    // The form: the style preset, explained, checked by preflight; advanced options stay folded away.
    await page.getByTestId('section-tab-train').click();
    await page.getByTestId('train-form').waitFor();
    await expect.poll(() => page.getByTestId('train-field-scheduler').inputValue(), LONG).toBe('constant-with-warmup');
    expect(await page.getByTestId('train-field-rank').inputValue()).toBe('16');
    expect(await page.getByTestId('train-reasoning-steps').textContent()).toMatch(/\d+ images × \d+ steps/);
    expect(await page.getByTestId('train-advanced').getAttribute('open')).toBeNull();
    await page.locator('[data-testid="preflight-warning"][data-problem="captions-unreviewed"]').waitFor();

    // A short run: long enough that a pause lands before the end however fast the steps are (a few ms each on the
    // small model with short captions), one small sample every 100 steps, a checkpoint halfway.
    await setField(page, 'steps', '400');
    await setField(page, 'batchSize', '1');
    await setField(page, 'sampleEvery', '100');
    await setField(page, 'checkpointEvery', '200');
    await setField(page, 'samplePrompts', 'a smiling face, in the style of flt');
    await setField(page, 'sampleSeeds', '1');
    await page.locator('[data-testid="train-advanced"] summary').click();
    await setField(page, 'sampleSteps', '2');
    const train = page.getByTestId('train-start');
    await expect.poll(() => train.isEnabled(), LONG).toBe(true);
    await page.getByTestId('train-form').evaluate((form) => form.scrollIntoView());
    await screenshot(page, 'train-form');
    await train.click();

    // Live: the curve grows step by step. Starting runs the whole preflight again (base model, every image), which
    // on a loaded 2-core CI machine can take longer than a click's default wait.
    // A refused start shows its reason at once instead of a long wait for a page that will not come.
    await page.locator('[data-testid="run-page"], [data-testid="train-start-error"]').first().waitFor(LONG);
    const startError = page.getByTestId('train-start-error');
    // textContent() would wait for a missing element: read it only when the error is there.
    if ((await startError.count()) > 0) throw new Error(`Training did not start: ${await startError.textContent()}`);
    await page.getByTestId('run-page').waitFor(LONG);
    await expect.poll(() => lastStep(page), LONG).toBeGreaterThanOrEqual(1);
    await page.locator('[data-testid="loss-chart"] .recharts-line path').first().waitFor();
    expect(await page.getByTestId('run-step').textContent()).toMatch(/^Step \d+ of 400$/);

    // Pause at the next step, then resume: nothing is lost.
    await page.getByTestId('run-pause').click();
    await expect.poll(() => status(page), LONG).toBe('paused');
    const pausedAt = await lastStep(page);
    expect(pausedAt).toBeLessThan(400);
    // The run's card in the list follows the live steps, not only the page.
    await expect.poll(() => page.getByTestId('run-row-progress').textContent(), LONG).toMatch(new RegExp(`^${pausedAt}/400 steps · loss \\d`));
    await page.getByTestId('run-resume').click();
    await expect.poll(() => status(page), LONG).toBe('running');
    await expect.poll(() => lastStep(page), LONG).toBeGreaterThan(pausedAt);

    // A sample image appears in the grid, and opens in the lightbox.
    const sample = page.getByTestId('sample-image').first();
    await sample.waitFor(LONG);
    await expect.poll(() => sample.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await sample.click();
    await page.getByTestId('sample-lightbox').waitFor();
    expect(await page.getByTestId('lightbox-footer').textContent()).toContain('a smiling face, in the style of flt');
    await page.keyboard.press('Escape');
    await page.getByTestId('sample-lightbox').waitFor({ state: 'detached' });

    await expect.poll(() => status(page), LONG).toBe('finished');
    await expect.poll(() => lastStep(page)).toBe(400);
    expect(await page.getByTestId('run-speed').textContent()).toMatch(/ (it\/s|s\/it)$/);

    // After a reload the finished run, its whole curve and its samples are still there.
    await page.reload();
    await page.getByTestId('run-page').waitFor();
    await expect.poll(() => page.getByTestId('loss-chart').getAttribute('data-points')).toBe('400');
    expect(await status(page)).toBe('finished');
    await page.locator('[data-testid="loss-chart"] .recharts-line path').first().waitFor();
    expect(await page.getByTestId('run-row').count()).toBe(1);
    expect(await page.getByTestId('run-row-status').textContent()).toBe('Finished');
    await page.getByTestId('sample-image').first().waitFor();
    await screenshot(page, 'train');

    // Learning rate and grad norm join the chart on their own axes; log Y redraws it; the choice is kept per run.
    const lines = page.locator('[data-testid="loss-chart"] .recharts-line');
    expect(await lines.count()).toBe(2);
    await page.getByTestId('chart-showLr').click();
    await page.getByTestId('chart-showGradNorm').click();
    await page.getByTestId('chart-logY').click();
    await expect.poll(() => lines.count()).toBe(4);
    await page.reload();
    await page.locator('[data-testid="loss-chart"] .recharts-line').nth(3).waitFor();
    expect(await page.getByTestId('chart-logY').getAttribute('aria-pressed')).toBe('true');
  }, 600_000);
});
