// A base model's shape read from its config and file headers gives the same run plan and the same memory estimate as
// the loaded model (the embedded default model and FLUX.2 downloads in both layouts), without reading the weights:
// a copy of the default model without its text encoder weights still has a shape, though it cannot be loaded.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelDir, writeTinyFlux2BflFiles, writeTinyFlux2Diffusers } from '@lora-studio/models';
import { runMemoryEstimate, storedBytesPerWeight } from '../run-memory';
import { planNewRun, prepareNewRun, readBaseShape } from '../setup';
import { TrainingSetupError } from '../setup-error';
import { writeImageFolder } from '../testing/fixtures';
import { readBaseModelShape } from './base-model-shape';
import { loadBaseModel } from './load-base-model';

let root: string;
let dataset: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-model-shape-'));
  dataset = join(root, 'images');
  await writeImageFolder(dataset, 2);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const models: Record<string, () => string> = {
  'the embedded default model': () => 'default',
  'a diffusers klein download': () => writeTinyFlux2Diffusers(join(root, 'klein'), 'klein').path,
  'BFL dev files': () => writeTinyFlux2BflFiles(join(root, 'dev-bfl'), 'dev').path,
};

describe('a base model read from its headers', () => {
  it.each(Object.keys(models))('plans the same run and estimates the same memory as %s loaded', async (which) => {
    const base = models[which]!();
    const request = { dataset, base, type: 'subject' as const, trigger: 'sks', overrides: { steps: 2, resolution: 16, rank: 2 } };
    const prepared = await prepareNewRun({ ...request, runDir: join(root, `loaded-${which}`) }, { threads: 1 });
    const shape = await readBaseShape(base);
    try {
      const plan = await planNewRun({ ...request, runDir: join(root, `shape-${which}`) }, shape);
      expect(plan.description.config).toEqual(prepared.description.config);
      expect(plan.dataset.images.map((i) => i.name)).toEqual(prepared.dataset.images.map((i) => i.name));
      expect(shape.family.shape).toEqual(prepared.model.family.shape);
      expect(shape.family.parameters).toBe(prepared.model.family.parameters);
      expect(shape.profile).toEqual(prepared.model.profile);
      expect(shape.encoders.sizeMultiple).toBe(prepared.model.encoders.sizeMultiple);
      expect(shape.encoders.fixedBuckets).toEqual(prepared.model.encoders.fixedBuckets);
      expect(storedBytesPerWeight(shape)).toBe(storedBytesPerWeight(prepared.model));
      for (const references of [0, 2]) {
        expect(runMemoryEstimate(shape, plan.description.config, undefined, references)).toEqual(runMemoryEstimate(prepared.model, prepared.description.config, undefined, references));
      }
    } finally {
      await shape.close();
      await prepared.model.close();
    }
  });

  it('needs no weights: a model folder without its text encoder has a shape but does not load', async () => {
    const dir = join(root, 'no-text-encoder');
    mkdirSync(dir);
    for (const f of ['model.json', 'transformer.safetensors']) copyFileSync(join(defaultModelDir(), f), join(dir, f));
    const shape = await readBaseModelShape(dir);
    expect(shape.profile.small).toBe(true);
    await shape.close();
    await expect(loadBaseModel(dir)).rejects.toThrow();
  });

  it('says a missing model as a setup problem, as loading does', async () => {
    await expect(readBaseShape(join(root, 'nowhere'))).rejects.toBeInstanceOf(TrainingSetupError);
  });
});
