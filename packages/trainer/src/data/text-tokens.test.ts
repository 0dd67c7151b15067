// The run's text length: the longest caption's own tokens instead of the pipelines' 512, cut from the padded
// features of a real (tiny) FLUX.2 text encoder, cached with the count, and used by the steps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyFlux2Diffusers } from '@lora-studio/models';
import { loadFlux2FilesModel } from '../base-model/flux2-files-model';
import type { TrainingEvent } from '../events';
import { prepareNewRun } from '../setup';
import { writeImageFolder } from '../testing/fixtures';
import { TrainingRun } from '../training-run';
import { EncodingCache } from './encoding-cache';
import { capTextTokens, textTokenCap } from './text-tokens';

let root: string;
let model: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'trainer-text-tokens-'));
  model = writeTinyFlux2Diffusers(join(root, 'klein'), 'klein').path;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('text-token cap', () => {
  it('takes the longest text, and cutting the padding leaves every prompt row as the full-length encoding has it', async () => {
    const padded = await loadFlux2FilesModel(model, { threads: 1, maxTokens: 512 });
    try {
      const cache = new EncodingCache(join(root, 'cache'), padded.encoders);
      const short = await cache.text('a sks disc');
      const long = await cache.text('a sks disc, red, on a white table beside a window');
      expect(short.shape[0]).toBe(512);
      expect(short.tokens).toBeLessThan(long.tokens!);
      const cap = textTokenCap([short, long]);
      expect(cap).toBe(long.tokens);
      expect(cap).toBeLessThan(512);
      // Read back from the disk cache, the count is still there.
      expect((await new EncodingCache(join(root, 'cache'), padded.encoders).text('a sks disc')).tokens).toBe(short.tokens);

      // The same prompt encoded at exactly the cap: the causal encoder gives the same rows as the cut 512-token one.
      const exact = await loadFlux2FilesModel(model, { threads: 1, maxTokens: cap });
      try {
        const direct = await exact.encoders.encodeText('a sks disc');
        const cut = capTextTokens(short, cap);
        expect(cut.shape).toEqual(direct.shape);
        let worst = 0;
        for (let i = 0; i < cut.data.length; i++) worst = Math.max(worst, Math.abs(cut.data[i]! - direct.data[i]!) / (Math.abs(direct.data[i]!) + 1e-3));
        expect(worst).toBeLessThan(1e-4);
      } finally {
        await exact.close();
      }
    } finally {
      await padded.close();
    }
  });

  it('keeps texts whose encoder does not count its tokens at full length, and never lengthens a text', () => {
    const t = { shape: [4, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };
    expect(textTokenCap([t])).toBe(4);
    expect(capTextTokens({ ...t, tokens: 2 }, 2)).toEqual({ shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]), tokens: 2 });
    expect(capTextTokens(t, 9)).toBe(t);
  });

  it('a run trains and samples at the longest caption\'s length', async () => {
    const dataset = join(root, 'images');
    await writeImageFolder(dataset, 2);
    const runDir = join(root, 'run');
    const prepared = await prepareNewRun({
      dataset, base: model, runDir, type: 'subject', trigger: 'sks',
      overrides: { steps: 1, checkpointEvery: 1, sampleEvery: 1, sampleSteps: 1, samplePrompts: ['a sks disc'], sampleSeeds: [1], batchSize: 1, resolution: 16, rank: 2 },
    }, { threads: 1 });
    const longest = Math.max(...(await Promise.all(['a sks disc, colour 0, on white', 'a sks disc, colour 1, on white', 'a sks disc', ''].map(async (c) => (await prepared.model.encoders.encodeText(c)).tokens!))));
    const events: TrainingEvent[] = [];
    expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
    const started = events.find((e) => e.type === 'started');
    expect(started && started.type === 'started' && started.textTokens).toBe(longest);
    expect(longest).toBeLessThan(512);
    expect(events.some((e) => e.type === 'sample-written')).toBe(true);
  });
});
