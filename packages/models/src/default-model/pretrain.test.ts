import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxruntimeBindingFolder } from '@lora-studio/onnx';
import { flux2Preset } from '../flux2/config';
import { loadDefaultModel } from './default-model';
import { pretrainDefaultModel, pretrainLearningRate, type PretrainOptions } from './pretrain';
import { parsePretrainArgs } from './pretrain-cli';

const root = mkdtempSync(join(tmpdir(), 'pretrain-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A toy FLUX.2 with the default model's 48-channel pixel tokens, on 8×8 images of 10 emoji.
const tiny: Omit<PretrainOptions, 'out' | 'steps' | 'resume'> = {
  batch: 2, seed: 3, lr: 1e-3, warmupSteps: 1, checkpointEvery: 2, threads: 1, command: 'test', corpusLimit: 10,
  transformer: { ...flux2Preset('flux2-toy'), hiddenSize: 32, numHeads: 2, numDoubleBlocks: 1, numSingleBlocks: 1, inChannels: 48, outChannels: 48, contextDim: 16 },
  textEncoder: { maxBytes: 160, width: 16, heads: 2, layers: 1, mlpRatio: 2, mergeBytes: 8, contextDim: 16 },
  image: { size: 8, patch: 4 },
};

describe('pretraining the default model', () => {
  it('resumes from a checkpoint to exactly the losses and weights of an uninterrupted run', async () => {
    const whole = await pretrainDefaultModel({ ...tiny, out: join(root, 'whole'), steps: 4, resume: false });
    await pretrainDefaultModel({ ...tiny, out: join(root, 'split'), steps: 2, resume: false });
    const rest = await pretrainDefaultModel({ ...tiny, out: join(root, 'split'), steps: 4, resume: true });
    expect(rest.losses).toEqual(whole.losses.slice(2));
    for (const f of ['transformer.safetensors', 'text-encoder.safetensors']) {
      expect(readFileSync(join(root, 'split', f)).equals(readFileSync(join(root, 'whole', f)))).toBe(true);
    }
    const log = readFileSync(join(root, 'split', 'pretrain-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(log).toEqual([1, 2, 3, 4]);
    const sittings = JSON.parse(readFileSync(join(root, 'split', 'model.json'), 'utf8')).provenance.sittings;
    expect(sittings.map((s: { fromStep: number; toStep: number }) => [s.fromStep, s.toStep])).toEqual([[0, 2], [2, 4]]);
    await expect(pretrainDefaultModel({ ...tiny, out: join(root, 'split'), steps: 4, resume: false })).rejects.toThrow(/--resume/);
    await expect(pretrainDefaultModel({ ...tiny, seed: 4, out: join(root, 'split'), steps: 6, resume: true })).rejects.toThrow(/different settings/);
    await expect(pretrainDefaultModel({ ...tiny, corpus: 'everyday', out: join(root, 'split'), steps: 6, resume: true })).rejects.toThrow(/different settings/);
  }, 120_000);

  it('keeps a moving average from the sitting that asks for it, resumes it exactly and writes both models', async () => {
    const ema = join(root, 'ema');
    // Two steps without an average, then a sitting that starts one, killed and resumed: same as one uninterrupted sitting.
    await pretrainDefaultModel({ ...tiny, out: ema, steps: 2, resume: false });
    const kill = (p: { step: number }) => {
      if (p.step === 4) throw new Error('killed after the checkpoint of step 4');
    };
    await expect(pretrainDefaultModel({ ...tiny, ema: 0.5, out: ema, steps: 6, resume: true, onProgress: kill })).rejects.toThrow(/killed/);
    await pretrainDefaultModel({ ...tiny, ema: 0.5, out: ema, steps: 6, resume: true });
    const once = join(root, 'ema-once');
    await pretrainDefaultModel({ ...tiny, out: once, steps: 2, resume: false });
    await pretrainDefaultModel({ ...tiny, ema: 0.5, out: once, steps: 6, resume: true });
    for (const dir of ['', 'without-ema']) {
      for (const f of ['transformer.safetensors', 'text-encoder.safetensors']) {
        expect(readFileSync(join(ema, dir, f)).equals(readFileSync(join(once, dir, f)))).toBe(true);
      }
    }
    // The raw weights are the run's own: the same as a run that never kept an average.
    const two = join(root, 'two');
    await pretrainDefaultModel({ ...tiny, out: two, steps: 2, resume: false });
    cpSync(two, join(root, 'plain6'), { recursive: true });
    await pretrainDefaultModel({ ...tiny, out: join(root, 'plain6'), steps: 6, resume: true });
    expect(readFileSync(join(ema, 'without-ema', 'transformer.safetensors')).equals(readFileSync(join(root, 'plain6', 'transformer.safetensors')))).toBe(true);
    // The average is not: with decay 0.5 over four steps it lies between the step-2 weights and the last ones.
    const [avg, raw, start] = await Promise.all([ema, join(ema, 'without-ema'), two].map(async (d) => {
      const m = await loadDefaultModel(d, { threads: 1 });
      const c = (await m.encodeText(['a cat'])).context;
      await m.close();
      return { c, provenance: m.manifest.provenance };
    }));
    expect(Array.from(avg!.c)).not.toEqual(Array.from(raw!.c));
    const gap = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(gap(avg!.c, raw!.c)).toBeLessThan(gap(start!.c, raw!.c));
    expect(avg!.provenance.ema).toEqual({ fromStep: 2 });
    expect(raw!.provenance.ema).toBeUndefined();
    expect(avg!.provenance.sittings!.map((s) => s.ema)).toEqual([undefined, 0.5, 0.5]);
    await expect(pretrainDefaultModel({ ...tiny, out: ema, steps: 8, resume: true })).rejects.toThrow(/--ema DECAY/);
  }, 180_000);

  it('runs on the device asked for, records it per sitting, and refuses CUDA where it cannot run', async () => {
    const out = join(root, 'device');
    const started: string[] = [];
    await pretrainDefaultModel({ ...tiny, device: 'cpu', out, steps: 1, resume: false, onStart: (s) => started.push(s.provider) });
    expect(started).toEqual(['cpu']);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).provenance.sittings[0].provider).toBe('cpu');
    const onCuda = pretrainDefaultModel({ ...tiny, device: 'cuda', out: join(root, 'device-cuda'), steps: 1, resume: false });
    if (!existsSync(join(onnxruntimeBindingFolder(), 'libonnxruntime_providers_cuda.so'))) await expect(onCuda).rejects.toThrow(/--device cuda: CUDA cannot run.*--device cpu/s);
    else expect((await onCuda).steps).toBe(1);
    expect(() => parsePretrainArgs(['--out', out, '--device', 'gpu'], 'x')).toThrow(/--device must be auto, cpu, cuda \(got "gpu"\)/);
    expect(parsePretrainArgs(['--out', out], 'x').device).toBe('auto');
  }, 120_000);

  it('trains on the chosen emoji selection and records it for the quality gate', async () => {
    await pretrainDefaultModel({ ...tiny, corpus: 'everyday', out: join(root, 'everyday'), steps: 1, resume: false });
    const manifest = JSON.parse(readFileSync(join(root, 'everyday', 'model.json'), 'utf8'));
    expect(manifest.provenance.corpusSelection).toBe('everyday');
    expect(JSON.parse(readFileSync(join(root, 'whole', 'model.json'), 'utf8')).provenance.corpusSelection).toBeUndefined();
  }, 120_000);

  it('writes a model folder that loads, encodes and samples', async () => {
    const model = await loadDefaultModel(join(root, 'whole'), { threads: 1 });
    try {
      expect(model.manifest.provenance).toMatchObject({ command: 'test', steps: 4, seed: 3 });
      const text = await model.encodeText(['a cat', 'sks']);
      expect(text.shape).toEqual([2, 20, 16]);
      const [a, b] = await model.sample(['a cat', 'a cat'], { seed: 1, steps: 2, guidance: 2 });
      expect(a!.width).toBe(8);
      const again = await model.sample(['a cat'], { seed: 1, steps: 2, guidance: 2 });
      expect(Array.from(again[0]!.data)).toEqual(Array.from(a!.data));
      expect(Array.from(b!.data)).not.toEqual(Array.from(a!.data));
    } finally {
      await model.close();
    }
  }, 60_000);

  it('warm-starts a run with a word path from a bytes-only model folder and records where it started', async () => {
    const from = join(root, 'whole');
    const source = await loadDefaultModel(from, { threads: 1 });
    const sourceId = source.id;
    const before = (await source.encodeText(['a cat on a red background'])).context;
    await source.close();
    const words = { ...tiny.textEncoder!, words: ['a', 'background', 'cat', 'on', 'red'], wordScale: 4 };
    const out = join(root, 'warm');
    // A vanishing learning rate: the one step leaves the weights where the warm start put them.
    await pretrainDefaultModel({ ...tiny, lr: 1e-9, textEncoder: words, initFrom: from, out, steps: 1, resume: false });
    const warm = await loadDefaultModel(out, { threads: 1 });
    try {
      const after = (await warm.encodeText(['a cat on a red background'])).context;
      expect(Math.max(...after.map((v, i) => Math.abs(v - before[i]!)))).toBeLessThan(1e-2);
      expect(warm.manifest.formatVersion).toBe(2);
      expect(warm.manifest.provenance.initFrom).toMatchObject({ dir: from, id: sourceId, steps: 4 });
    } finally {
      await warm.close();
    }
    await pretrainDefaultModel({ ...tiny, lr: 1e-9, textEncoder: words, out, steps: 2, resume: true });
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).provenance.initFrom.id).toBe(sourceId);
    await expect(pretrainDefaultModel({ ...tiny, image: { size: 16, patch: 4 }, initFrom: from, out: join(root, 'mismatch'), steps: 1, resume: false }))
      .rejects.toThrow(/warm start needs the same shapes/);
  }, 120_000);

  it('warms up linearly, then decays to a tenth of the peak', () => {
    const o = { lr: 1, warmupSteps: 10, steps: 110 };
    expect(pretrainLearningRate(0, o)).toBeCloseTo(0.1);
    expect(pretrainLearningRate(9, o)).toBeCloseTo(1);
    expect(pretrainLearningRate(60, o)).toBeCloseTo(0.55);
    expect(pretrainLearningRate(110, o)).toBeCloseTo(0.1);
  });
});
