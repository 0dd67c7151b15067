import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { flux2Preset } from '../flux2/config';
import { randomFlux2Weights } from '../flux2/random-weights';
import { createLoraAdapter } from '../lora/adapter';
import { loraTargetLayers } from '../lora/targets';
import { Flux2Sampler } from './sampler';
import { flux2ScheduleMu, flux2Timesteps } from './schedule';
import { pixelTokensToImage, writePng } from './png';
import { SeededRandom } from '@lora-studio/onnx';

describe('FLUX.2 schedule', () => {
  it('shifts linspace(1, 0) by the resolution-dependent mu', () => {
    expect(flux2ScheduleMu(5000, 28)).toBeCloseTo(0.00016927 * 5000 + 0.45666666, 12);
    // Below 4300 tokens mu is the fit for 10 steps at 10 steps and the fit for 200 steps at 200.
    expect(flux2ScheduleMu(1024, 10)).toBeCloseTo(8.73809524e-5 * 1024 + 1.89833333, 9);
    expect(flux2ScheduleMu(1024, 200)).toBeCloseTo(0.00016927 * 1024 + 0.45666666, 9);
    const t = flux2Timesteps(4, 1024);
    expect(t[0]).toBe(1);
    expect(t[4]).toBe(0);
    const mu = flux2ScheduleMu(1024, 4);
    expect(t[2]).toBeCloseTo(Math.exp(mu) / (Math.exp(mu) + 1), 12);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeLessThan(t[i - 1]!);
  });
});

describe('FLUX.2 sampler', () => {
  const base = flux2Preset('flux2-toy');
  const config = { ...base, inChannels: 12, outChannels: 12 }; // 2×2 RGB patches
  const weights = randomFlux2Weights(config, 31);
  const slots = loraTargetLayers(config, 'attention').map((l) => l.path);
  const text = new SeededRandom(32).fillNormal(new Float32Array(4 * config.contextDim)) as Float32Array;
  const negative = new SeededRandom(33).fillNormal(new Float32Array(4 * config.contextDim)) as Float32Array;
  let sampler: Flux2Sampler;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sampler-'));
    sampler = await Flux2Sampler.create({ config, weights: { kind: 'dense', weights }, loraLayers: slots, session: { providers: ['cpu'], threads: 1 } });
  });
  afterAll(async () => {
    await sampler.release();
    rmSync(dir, { recursive: true, force: true });
  });
  const request = { gridHeight: 3, gridWidth: 4, text, steps: 3, guidance: 1, seed: 5 };

  it('is deterministic per seed and reports progress', async () => {
    const events: number[] = [];
    const a = await sampler.sample({ ...request, onProgress: (e) => events.push(e.step) });
    const b = await sampler.sample(request);
    const c = await sampler.sample({ ...request, seed: 6 });
    expect(events).toEqual([1, 2, 3]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.length).toBe(12 * 12);
  });

  it('applies true CFG against the negative prompt, and LoRAs through one graph at any rank and scale', async () => {
    const plain = await sampler.sample(request);
    const cfg = await sampler.sample({ ...request, guidance: 3, negativeText: negative });
    expect(cfg).not.toEqual(plain);
    const lora = createLoraAdapter(config, { targets: 'attention', rank: 3, alpha: 6, seed: 2 });
    for (const l of lora.layers) new SeededRandom(3).fillNormal(l.up, 0.5);
    const zero = await sampler.sample({ ...request, lora, loraScale: 0 });
    const half = await sampler.sample({ ...request, lora, loraScale: 0.5 });
    const rank5 = createLoraAdapter(config, { targets: ['img_attn.qkv'], rank: 5, seed: 4 });
    const other = await sampler.sample({ ...request, lora: rank5 });
    expect(zero).toEqual(plain);
    expect(half).not.toEqual(plain);
    expect(other).toEqual(plain); // B = 0: a fresh LoRA changes nothing
    await expect(sampler.sample({ ...request, lora: createLoraAdapter(config, { targets: ['linear2'], rank: 2, seed: 1 }) })).rejects.toThrow(/targets single_blocks\.0\.linear2, which this sampler has no slot for/);
  });

  it('writes pixel-space samples as PNG', async () => {
    const tokens = await sampler.sample(request);
    const image = pixelTokensToImage(tokens, 3, 4, 2);
    await writePng(join(dir, 'sample.png'), image);
    const meta = await sharp(join(dir, 'sample.png')).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([8, 6, 'png']);
    const { data } = await sharp(join(dir, 'sample.png')).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.from(data).equals(Buffer.from(image.data))).toBe(true);
  });
});
