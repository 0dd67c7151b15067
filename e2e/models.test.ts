import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeTinyFlux2Diffusers } from '@lora-studio/models';
import { startTestHub, writeTinyDiffusersModel } from '@lora-studio/models/model-library/testing';
import { screenshot } from './support/screenshot';
import { withStudioPages } from './support/lifecycle';
import type { StudioUnderTest } from './support/studio';
import { createProject, waitForConnected } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
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

    // From a hub (a local server speaking the Hugging Face file API): a gated repository asks for the token in a
    // sentence; with it the download runs and its bar ends at every byte.
    const hub = await startTestHub({ repo: 'test-org/tiny-hub', folder: writeTinyDiffusersModel(join(studio.home, 'served'), { isDistilled: false }), gated: true });
    const saved = { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN };
    process.env.HF_ENDPOINT = hub.url;
    delete process.env.HF_TOKEN;
    try {
      await page.getByTestId('add-model-kind-hub').check();
      await page.getByTestId('add-model-repo').fill('test-org/tiny-hub');
      await page.getByTestId('add-model-submit').click();
      await expect.poll(() => page.getByTestId('add-model-error').textContent()).toMatch(/test-org\/tiny-hub is a gated model: .*give a Hugging Face read token/);
      await page.getByTestId('add-model-token').fill('hf_e2e');
      await page.getByTestId('add-model-submit').click();
      await page.getByTestId('add-model-done').waitFor();
      const bar = page.getByTestId('model-download');
      expect(await bar.getAttribute('data-done')).toBe(await bar.getAttribute('data-total'));
      expect(await bar.textContent()).toMatch(/^Downloaded test-org\/tiny-hub: .* of .* \(100 %\)/);
      expect(await modelRow('tiny-hub').getAttribute('data-complete')).toBe('true');
      expect(await modelRow('tiny-hub').getByTestId('model-training').textContent()).toMatch(/^base checkpoint: trains best/);
    } finally {
      await hub.close();
      if (saved.endpoint === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved.endpoint;
      if (saved.token !== undefined) process.env.HF_TOKEN = saved.token;
    }
    await screenshot(page, 'models');

    // The Train form offers it; picking it is the project's choice, and the preflight says what it means.
    await page.getByTestId('models-back').click();
    await createProject(page, { name: 'Base pick', trigger: 'flt', type: 'style', dir: join(studio.home, 'projects', 'base-pick') });
    await page.getByTestId('section-tab-train').click();
    const picker = page.getByTestId('train-base-model');
    await expect.poll(() => picker.inputValue()).toBe('default');
    await page.getByTestId('preflight').waitFor();
    expect(await warning('base-distilled').count()).toBe(0);
    await expect.poll(() => picker.locator('option').allTextContents()).toEqual([
      'default — the small embedded model',
      'tiny-hub — FLUX.2-shaped model (hidden 32, 1 double + 1 single blocks)',
      'tiny-klein — FLUX.2-shaped model (hidden 32, 1 double + 1 single blocks)',
    ]);

    await picker.selectOption('tiny-klein');
    await warning('base-distilled').waitFor();
    expect(await warning('base-distilled').textContent()).toMatch(/step-distilled checkpoint, made for fast inference/);
    await warning('base-distilled').scrollIntoViewIfNeeded();
    await screenshot(page, 'train-base-model');

    // The project remembers it across a reload; going back to the default drops the warning.
    await page.reload();
    await expect.poll(() => picker.inputValue()).toBe('tiny-klein');
    await warning('base-distilled').waitFor();
    await picker.selectOption('default');
    await expect.poll(() => warning('base-distilled').count()).toBe(0);
  });
});
