import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeTinyFlux2Diffusers } from '@lora-studio/models';
import { launchChromium, openPage, type StudioPage } from './support/browser';
import { screenshot } from './support/screenshot';
import { startStudio, type StudioUnderTest } from './support/studio';
import { createProject, waitForConnected } from './support/studio-ui';

let studio: StudioUnderTest;
let browser: Browser;
let tab: StudioPage;
let page: Page;

beforeAll(async () => {
  [studio, browser] = await Promise.all([startStudio(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await studio?.close();
});
beforeEach(async () => {
  tab = await openPage(browser);
  page = tab.page;
});
afterEach(async () => {
  await page.context().close();
  expect(tab.pageErrors, 'errors inside the page').toEqual([]);
});

const modelRow = (name: string) => page.locator(`[data-testid="model-row"][data-model="${name}"]`);
const warning = (id: string) => page.locator(`[data-testid="preflight-warning"][data-problem="${id}"]`);

describe('Base models in browser mode', () => {
  it('adds a diffusers folder on the Models screen and trains a project on it from the Train form', async () => {
    // A real (tiny) FLUX.2 [klein] download as a step-distilled checkpoint: the engine opens it, the preflight words it.
    const folder = writeTinyFlux2Diffusers(join(studio.home, 'downloads', 'tiny-klein'), 'klein', { distilled: true }).path;

    await page.goto(studio.url);
    await waitForConnected(page);
    await page.getByTestId('open-models').click();
    await page.getByTestId('models-screen').waitFor();
    await modelRow('default').waitFor();
    await page.getByTestId('models-empty').waitFor();

    // A folder that is not there is refused in a sentence, and nothing is added.
    await page.getByTestId('add-model-folder').fill(join(studio.home, 'no-such-model'));
    await page.getByTestId('add-model-submit').click();
    expect(await page.getByTestId('add-model-error').textContent()).toMatch(/no-such-model/);

    await page.getByTestId('add-model-folder').fill(folder);
    await page.getByTestId('add-model-name').fill('tiny-klein');
    await page.getByTestId('add-model-submit').click();
    await page.getByTestId('add-model-done').waitFor();
    const row = modelRow('tiny-klein');
    expect(await row.getAttribute('data-complete')).toBe('true');
    expect(await row.getByTestId('model-presence').textContent()).toBe('everything present');
    expect(await row.getByTestId('model-training').textContent()).toMatch(/step-distilled/);
    expect(await row.getByTestId('model-transformer').textContent()).toMatch(/parameters in F32/);
    expect(await row.getByTestId('model-bytes').textContent()).toMatch(/^\d+(\.\d+)? (KB|MB)$/);
    await screenshot(page, 'models');

    // The Train form offers it; picking it is the project's choice, and the preflight says what it means.
    await page.getByTestId('models-back').click();
    await createProject(page, { name: 'Base pick', trigger: 'flt', type: 'style', dir: join(studio.home, 'projects', 'base-pick') });
    await page.getByTestId('section-tab-train').click();
    const picker = page.getByTestId('train-base-model');
    await expect.poll(() => picker.inputValue()).toBe('default');
    await page.getByTestId('preflight').waitFor();
    expect(await warning('base-distilled').count()).toBe(0);
    await expect.poll(() => picker.locator('option').allTextContents()).toEqual(['default — the small embedded model', 'tiny-klein — FLUX.2-shaped model (hidden 32, 1 double + 1 single blocks)']);

    await picker.selectOption('tiny-klein');
    await warning('base-distilled').waitFor();
    expect(await warning('base-distilled').textContent()).toMatch(/step-distilled checkpoint, made for fast inference/);
    await screenshot(page, 'train-base-model');

    // The project remembers it across a reload; going back to the default drops the warning.
    await page.reload();
    await expect.poll(() => picker.inputValue()).toBe('tiny-klein');
    await warning('base-distilled').waitFor();
    await picker.selectOption('default');
    await expect.poll(() => warning('base-distilled').count()).toBe(0);
  });
});
