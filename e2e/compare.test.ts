import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDetail } from '@lora-studio/api';
import { loadLora } from '@lora-studio/models';
import { SafetensorsFile } from '@lora-studio/onnx';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, type StudioPage } from './support/browser';
import { repoRoot } from './support/paths';
import { screenshot } from './support/screenshot';
import { startStudio, type StudioUnderTest } from './support/studio';
import { connectApi, type StudioApi } from './support/studio-api';

let studio: StudioUnderTest;
let browser: Browser;
let api: StudioApi;
let dir: string;
let run: RunDetail;

// A style project with the shipped style sample and a FINISHED short run on the embedded default model: 8 steps,
// checkpoints at 4 and 8, samples with 3 sampler steps (so the grid and the scores stay quick on 2 busy cores).
beforeAll(async () => {
  [studio, browser] = await Promise.all([startStudio(), launchChromium()]);
  api = await connectApi(studio.url);
  dir = join(studio.home, 'projects', 'compare-e2e');
  await api.send('project-create', { name: 'Compare e2e', type: 'style', trigger: 'flt', dir });
  const imported = await api.send('images-import', { dir, paths: [join(repoRoot, 'resources', 'samples', 'style')] });
  expect(imported.imported).toBeGreaterThanOrEqual(30);
  const started = await api.send('run-start', { dir, overrides: { steps: 8, checkpointEvery: 4, sampleEvery: 0, batchSize: 1, sampleSteps: 3 } });
  for (let waited = 0; ; waited += 500) {
    run = await api.send('run-get', { dir, runId: started.id });
    if (run.status === 'finished') break;
    if (!['queued', 'running'].includes(run.status) || waited > 110_000) throw new Error(`The set-up run ended ${run.status}: ${run.message ?? ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(run.checkpoints.map((c) => c.step).sort((a, b) => a - b)).toEqual([4, 8]);
}, 150_000);

afterAll(async () => {
  api?.close();
  await browser?.close();
  await studio?.close();
});

const projectUrl = (section: string) => `${studio.url}#/project/${encodeURIComponent(dir)}/${section}`;
const LONG = { timeout: 60_000 };
const imagesLoaded = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((imgs: HTMLImageElement[]) => imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0));

describe('Compare and Export in browser mode', () => {
  it('renders the 5-wild-prompts grid, scores it, marks a favourite, exports it as kohya with its metadata, and generates with it', async () => {
    const tab: StudioPage = await openPage(browser);
    const { page } = tab;
    try {
      await page.goto(projectUrl('compare'));
      await page.getByTestId('grid-setup').waitFor(LONG);

      // The preset: five wildly different prompts around the trigger; every checkpoint ticked; the run's own steps.
      const prompts = (await page.getByTestId('grid-prompts').inputValue()).split('\n');
      expect(prompts).toHaveLength(5);
      for (const p of prompts) expect(p).toContain('flt');
      expect(await page.getByTestId('grid-checkpoint-4').isChecked()).toBe(true);
      expect(await page.getByTestId('grid-checkpoint-8').isChecked()).toBe(true);
      expect(await page.getByTestId('grid-steps').inputValue()).toBe('3');
      expect(await page.getByTestId('grid-summary').textContent()).toBe('5 prompts × 2 checkpoints + base model = 15 images');

      // Cells fill in as the services render them, under a progress bar.
      await page.getByTestId('grid-render').click();
      await page.getByTestId('grid-progress').waitFor();
      expect(await page.getByTestId('grid-progress').getAttribute('data-total')).toBe('15');
      await expect.poll(() => page.getByTestId('grid-progress').getAttribute('data-done'), LONG).toBe('15');
      await expect.poll(() => page.getByTestId('grid-cell').count(), LONG).toBe(15);
      expect(await page.getByTestId('grid-cell-pending').count()).toBe(0);
      expect(await page.getByTestId('grid-column').allTextContents()).toEqual(['base model, no LoRA', 'step 4', 'step 8']);
      await expect.poll(() => imagesLoaded(page, '[data-testid="grid-cell"] img'), LONG).toBe(true);

      // Enlarge a cell; pick two for the side-by-side view.
      await page.locator('[data-testid="grid-cell"][data-row="1"][data-column="2"] .grid-cell-image').click();
      await expect.poll(() => page.getByTestId('viewer-image').count()).toBe(1);
      expect(await page.getByTestId('viewer-image').textContent()).toContain(prompts[1]);
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => page.getByTestId('viewer-image').textContent()).toContain('step 4');
      await page.keyboard.press('Escape');
      await page.getByTestId('image-viewer').waitFor({ state: 'detached' });
      await page.locator('[data-testid="grid-cell"][data-row="0"][data-column="0"] [data-testid="grid-cell-pick"]').click();
      await page.locator('[data-testid="grid-cell"][data-row="0"][data-column="2"] [data-testid="grid-cell-pick"]').click();
      await expect.poll(() => page.getByTestId('viewer-image').count()).toBe(2);
      await page.getByTestId('viewer-close').click();

      // Scores under the grid: the chart and a suggested checkpoint.
      await page.getByTestId('score-checkpoints').click();
      await page.locator('[data-testid="scores-chart"] .recharts-bar-rectangle').first().waitFor(LONG);
      expect(['4', '8']).toContain(await page.getByTestId('scores-best').getAttribute('data-step'));

      // The favourite: the earlier checkpoint, so Export must propose it rather than the latest.
      await page.getByTestId('favourite-4').click();
      await expect.poll(() => page.getByTestId('favourite-4').getAttribute('aria-pressed')).toBe('true');
      await page.getByTestId('grid-progress').evaluate((el) => el.scrollIntoView());
      await screenshot(page, 'compare');

      // Reopening asks for the same grid again, and every cell comes from the project's cache.
      await page.reload();
      await expect.poll(() => page.locator('[data-testid="grid-cell"][data-cached="true"]').count(), LONG).toBe(15);

      // Export proposes the favourite; kohya format; the preview names the file and counts its keys.
      await page.getByTestId('section-tab-export').click();
      await expect.poll(() => page.getByTestId('export-proposal').getAttribute('data-step'), LONG).toBe('4');
      expect(await page.getByTestId('export-proposal').textContent()).toContain('your favourite');
      await page.getByTestId('export-format-kohya').check();
      await expect.poll(() => page.getByTestId('export-file-name').textContent(), LONG).toBe('compare-e2e-flt-step4-kohya.safetensors');
      const keyCount = Number(await page.getByTestId('export-key-count').textContent());
      expect(keyCount).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="export-metadata"] tr[data-key="modelspec.trigger_phrase"] td').textContent()).toBe('flt');
      // bf16 unless the user picks otherwise: half the size, as LoRAs are shared.
      expect(await page.getByTestId('export-precision').inputValue()).toBe('bf16');
      await page.getByTestId('export-lora').click();
      const path = (await page.getByTestId('export-path').textContent({ timeout: 60_000 }))!;
      expect(path).toBe(join(dir, 'exports', 'compare-e2e-flt-step4-kohya.safetensors'));

      // The file: kohya keys with an alpha each, the trigger, step and dataset in its metadata; it loads as kohya.
      expect(existsSync(path)).toBe(true);
      const file = SafetensorsFile.open(path);
      try {
        expect(file.tensors).toHaveLength(keyCount);
        for (const t of file.tensors) expect(t.name).toMatch(/^lora_unet_[a-z0-9_]+\.(lora_down\.weight|lora_up\.weight|alpha)$/);
        for (const t of file.tensors) if (!t.name.endsWith('.alpha')) expect(t.dtype).toBe('BF16');
        expect(file.metadata).toMatchObject({
          'modelspec.trigger_phrase': 'flt', 'lora_studio.step': '4', 'lora_studio.format': 'kohya', ss_steps: '4',
          ss_network_dim: String(run.config.rank), ss_network_alpha: String(run.config.alpha),
        });
        expect(file.metadata['lora_studio.dataset_hash']).toMatch(/^[0-9a-f]{64}$/);
        expect(JSON.parse(file.metadata.ss_tag_frequency!)).toBeTypeOf('object');
      } finally {
        file.close();
      }
      const lora = loadLora(path);
      expect(lora.format).toBe('kohya');
      expect(lora.adapter.layers.length).toBe(keyCount / 3);

      // In a browser the file lies on the studio's machine: it is offered as a download from the project.
      const href = await page.getByTestId('export-path-download').getAttribute('href');
      const download = await page.request.get(new URL(href!, studio.url).toString());
      expect(download.status()).toBe(200);
      expect((await download.body()).length).toBe(statSync(path).size);
      await screenshot(page, 'export');

      // Generate with the favourite checkpoint, a batch of two, and a scale above 1.0 (warned about); kept in the history.
      await page.getByTestId('section-tab-generate').click();
      await expect.poll(() => page.getByTestId('generate-lora').inputValue(), LONG).toBe('4');
      await page.getByTestId('generate-steps').fill('2');
      await page.getByTestId('generate-seed').fill('5');
      await page.getByTestId('generate-batch').fill('2');
      await page.getByTestId('generate-scale').fill('1.2');
      await page.getByTestId('generate-scale-warning').waitFor();
      await page.getByTestId('generate-submit').click();
      await expect.poll(() => page.getByTestId('generated-image').count(), LONG).toBe(2);
      expect(await page.getByTestId('generate-scale-warning').textContent()).toMatch(/Above 1\.0/);
      await expect.poll(() => imagesLoaded(page, '[data-testid="generated-image"] img'), LONG).toBe(true);
      expect(await page.getByTestId('generated-image').first().textContent()).toContain('seed 6');
      await screenshot(page, 'generate');
    } finally {
      await page.context().close();
    }
    expect(tab.pageErrors, 'errors inside the page').toEqual([]);
  }, 240_000);
});
