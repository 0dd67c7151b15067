// `--base FOLDER` with a real-model folder (transformer checkpoint + ONNX text encoder and VAE), on a tiny
// stand-in built in the test: encodings are cached by the encoders' id, and a LoRA trains through the trainer.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyOnnxModelFolder } from '@lora-studio/models';
import { EncodingCache } from '../data/encoding-cache';
import { loadDataset } from '../data/dataset';
import type { TrainingEvent } from '../events';
import { prepareNewRun } from '../setup';
import { TrainingSetupError } from '../setup-error';
import { writeImageFolder } from '../testing/fixtures';
import { TrainingRun } from '../training-run';
import { loadOnnxModel } from './onnx-model';

let root: string;
let model: string;
let dataset: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-onnx-model-'));
  model = join(root, 'model');
  dataset = join(root, 'images');
  writeTinyOnnxModelFolder(model);
  await writeImageFolder(dataset, 3);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ONNX model folder as the base model', () => {
  it('caches latents and text embeddings: a second pass encodes nothing', async () => {
    const base = await loadOnnxModel(model, { threads: 1 });
    try {
      const images = loadDataset(dataset, { folderCacheDir: join(root, 'cache-test') }).images;
      const bucket = { width: 32, height: 32 };
      const pass = async () => {
        const cache = new EncodingCache(join(root, 'cache-test'), base.encoders);
        const out = [];
        for (const image of images) out.push(await cache.image(image, bucket, 32, false), await cache.text(image.caption!));
        return { cache, out };
      };
      const first = await pass();
      expect(first.cache.stats).toEqual({ imageHits: 0, imageEncodes: 3, textHits: 0, textEncodes: 3 });
      expect(first.out[0]!.shape).toEqual([4, 128]);
      expect(first.out[1]!.shape).toEqual([48, 24]);
      const second = await pass();
      expect(second.cache.stats).toEqual({ imageHits: 3, imageEncodes: 0, textHits: 3, textEncodes: 0 });
      expect(second.out).toEqual(first.out);
    } finally {
      await base.close();
    }
  });

  it('trains a LoRA for 3 steps with --base pointing at the folder, with finite losses and a decoded sample', async () => {
    const runDir = join(root, 'run');
    const prepared = await prepareNewRun({
      dataset, base: model, runDir, type: 'subject', trigger: 'sks',
      overrides: { steps: 3, checkpointEvery: 3, sampleEvery: 3, sampleSteps: 2, samplePrompts: ['a sks disc'], sampleSeeds: [1], batchSize: 1, resolution: 32, rank: 4 },
    }, { threads: 1 });
    expect(prepared.model.name).toBe('tiny-onnx-test-model');
    const events: TrainingEvent[] = [];
    expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
    const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
    expect(losses).toHaveLength(3);
    expect(losses.every(Number.isFinite)).toBe(true);
    const sample = events.find((e) => e.type === 'sample-written');
    expect(sample && existsSync(sample.path)).toBe(true);
    expect(existsSync(join(runDir, 'lora.safetensors'))).toBe(true);
  });

  it('reports a broken folder as a setup problem before training', async () => {
    const broken = join(root, 'broken');
    writeTinyOnnxModelFolder(broken);
    rmSync(join(broken, 'vae-encoder.onnx'));
    const attempt = prepareNewRun({ dataset, base: broken, runDir: join(root, 'never'), type: 'subject', trigger: 'sks' }, { threads: 1 });
    await expect(attempt).rejects.toBeInstanceOf(TrainingSetupError);
    await expect(attempt).rejects.toThrow(/VAE encoder vae-encoder.onnx is missing/);
  });
});
