import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { withStudioPages } from './support/lifecycle';
import { repoRoot } from './support/paths';
import { screenshot } from './support/screenshot';
import type { StudioUnderTest } from './support/studio';
import { send } from './support/studio-api';
import { importSampleDataset } from './support/sample-dataset';
import { createProject } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
});

// The worker loads and compiles the model before its first step (about 30 s on 2 busy cores).
const LONG = { timeout: 240_000 };
const field = (page: Page, key: string) => page.getByTestId(`train-field-${key}`);

describe('Adapter type and EMA in the Train form, browser mode', () => {
  it('trains a LoHa with an EMA from the form; Compare and Export then offer the EMA weights', async () => {
    const dir = join(studio.home, 'projects', 'train-options-e2e');
    await page.goto(studio.url);
    await createProject(page, { name: 'Train options e2e', trigger: 'flt', type: 'style', dir });
    expect(await importSampleDataset(studio.url, dir)).toBeGreaterThanOrEqual(30);

    await page.getByTestId('section-tab-train').click();
    await expect.poll(() => field(page, 'scheduler').inputValue(), LONG).toBe('constant-with-warmup');
    await page.locator('[data-testid="train-advanced"] summary').click();
    // What a run uses when nothing is chosen: a LoRA, no EMA; the unmasked weight says it has nothing to act on.
    expect(await field(page, 'adapter').inputValue()).toBe('lora');
    expect(await field(page, 'ema').inputValue()).toBe('0');
    expect(await field(page, 'unmaskedWeight').inputValue()).toBe('0');
    expect(await page.getByTestId('train-reasoning-unmaskedWeight').textContent()).toMatch(/No image has a mask/);
    expect(await field(page, 'lokrFactor').count()).toBe(0);

    // LoKr's factor appears only for a LoKr; an invalid factor left behind by switching to LoHa blocks nothing.
    await field(page, 'adapter').selectOption('lokr');
    expect(await field(page, 'lokrFactor').inputValue()).toBe('-1');
    await field(page, 'lokrFactor').fill('5000');
    await page.getByText(/^From -1 to 4096\.$/).waitFor();
    await field(page, 'adapter').selectOption('loha');
    expect(await field(page, 'lokrFactor').count()).toBe(0);
    await field(page, 'ema').fill('0.9');

    for (const [key, value] of [['steps', '6'], ['checkpointEvery', '3'], ['sampleEvery', '0'], ['batchSize', '1'], ['sampleSteps', '2']] as const) {
      await field(page, key).fill(value);
    }
    const train = page.getByTestId('train-start');
    await expect.poll(() => train.isEnabled(), LONG).toBe(true);
    await screenshot(page, 'train-options');
    await train.click();
    await page.locator('[data-testid="run-page"], [data-testid="train-start-error"]').first().waitFor(LONG);
    const startError = page.getByTestId('train-start-error');
    if ((await startError.count()) > 0) throw new Error(`Training did not start: ${await startError.textContent()}`);
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), LONG).toBe('finished');

    // The run trained what the form said, and nothing from the hidden field.
    const [summary] = await send(studio.url, 'run-list', { dir });
    const run = await send(studio.url, 'run-get', { dir, runId: summary!.id });
    expect(run.config).toMatchObject({ adapter: 'loha', ema: 0.9 });
    expect(run.config.lokrFactor).toBeUndefined();

    // Export offers the EMA beside the trained weights, and names its file as such.
    await page.goto(`${studio.url}#/project/${encodeURIComponent(dir)}/export`);
    await page.getByTestId('export-preview').waitFor(LONG);
    expect(await page.getByTestId('export-file-name').textContent()).not.toContain('-ema-');
    await page.getByTestId('export-weights').selectOption('ema');
    await expect.poll(() => page.getByTestId('export-file-name').textContent(), LONG).toMatch(/-step6-ema-kohya\.safetensors$/);

    // Compare offers it for the grid too.
    await page.goto(`${studio.url}#/project/${encodeURIComponent(dir)}/compare`);
    await page.getByTestId('grid-setup').waitFor(LONG);
    await page.getByTestId('grid-weights').selectOption('ema');
    expect(await page.getByTestId('grid-summary').textContent()).toMatch(/EMA weights$/);
  }, 600_000);
});
