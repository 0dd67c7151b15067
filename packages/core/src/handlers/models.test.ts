import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyDiffusersModel } from '@lora-studio/models/model-library/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createStudio } from '../index';

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ls-core-models-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function call(s: ReturnType<typeof createStudio>, name: string, args: unknown) {
  const res = await s.dispatcher.call(1, name, args);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.result as any;
}

describe('model handlers', () => {
  it('adds a model, lists it, makes it a project’s base model, and warns before training on a distilled one', async () => {
    const s = createStudio({ home: temp(), mode: 'browser' });
    try {
      const folder = writeTinyDiffusersModel(join(temp(), 'tiny-klein'), { isDistilled: true });
      const added = await call(s, 'model-add', { source: { kind: 'folder', path: folder } });
      expect(added).toMatchObject({ name: 'tiny-klein', kind: 'diffusers', description: { training: 'distilled', complete: true } });
      expect((await call(s, 'model-list', {})).map((m: { name: string }) => m.name)).toEqual(['tiny-klein']);

      const project = await call(s, 'project-create', { name: 'P', type: 'style', trigger: 'flt', dir: join(temp(), 'p') });
      expect(await call(s, 'model-project-get', { dir: project.dir })).toEqual({ baseModel: 'default' });
      const unknown = await s.dispatcher.call(2, 'model-project-set', { dir: project.dir, name: 'nope' });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/There is no base model named "nope"/) } });
      expect(await call(s, 'model-project-set', { dir: project.dir, name: 'tiny-klein' })).toEqual({ baseModel: 'tiny-klein' });
      expect(await call(s, 'model-project-get', { dir: project.dir })).toEqual({ baseModel: 'tiny-klein' });

      // The quick quality test's prompts follow the project's base model before any run: scenes for FLUX.2.
      expect((await call(s, 'compare-wild-prompts', { dir: project.dir })).prompts[0]).toMatch(/in the style of flt$/);
      expect((await call(s, 'compare-wild-prompts', { dir: project.dir })).prompts.join(' ')).toMatch(/a cat sitting on a windowsill/);

      const report = await call(s, 'run-preflight', { dir: project.dir });
      expect(report.warnings[0]).toMatchObject({ id: 'base-distilled', message: expect.stringMatching(/step-distilled checkpoint, made for fast inference\. LoRAs train better on the base checkpoints/) });

      // Generate without a checkpoint draws with the project's base model, at its own defaults: 4 unguided steps.
      const generated = await call(s, 'generate-images', { dir: project.dir, prompt: 'a cat', seed: 1, width: 16, height: 16 });
      expect(generated.images).toHaveLength(1);
      expect(generated.images[0]).toMatchObject({ steps: 4, guidance: 1, width: 16, height: 16 });

      const refused = await s.dispatcher.call(3, 'model-add', { source: { kind: 'folder', path: join(temp(), 'missing') } });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/does not exist\./) } });
    } finally {
      s.close();
    }
  }, 30_000);
});
