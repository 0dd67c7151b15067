import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flux2Preset } from '../flux2/config';
import { randomFlux2Weights } from '../flux2/random-weights';
import { loadDefaultModel } from './default-model';
import { readManifest, writeModelFolder, type ModelManifest } from './model-files';
import { randomTextEncoderWeights, type TextEncoderConfig } from './text-encoder';

const root = mkdtempSync(join(tmpdir(), 'model-files-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const transformer = { ...flux2Preset('flux2-toy'), hiddenSize: 32, numHeads: 2, numDoubleBlocks: 1, numSingleBlocks: 1, inChannels: 48, outChannels: 48, contextDim: 16 };
const bytesOnly: TextEncoderConfig = { maxBytes: 32, width: 16, heads: 2, layers: 1, mlpRatio: 2, mergeBytes: 4, contextDim: 16 };

function writeFolder(name: string, textEncoder: TextEncoderConfig): string {
  const dir = join(root, name);
  const manifest: ModelManifest = {
    format: 'lora-studio-pixel-flux2', name, transformer, textEncoder,
    image: { size: 8, patch: 4, channels: 3, range: [-1, 1], patchOrder: 'c pi pj' },
    dtype: 'F32', files: { transformer: 'transformer.safetensors', textEncoder: 'text-encoder.safetensors' },
    provenance: { command: 'test', commit: 'none', steps: 0, seed: 1, corpus: 'none', date: '2026-01-01' }, licence: 'test only',
  };
  const weights = Object.fromEntries(Object.entries(randomFlux2Weights(transformer, 1)).map(([k, v]) => [k, v.data as Float32Array]));
  writeModelFolder(dir, manifest, { transformer: weights, textEncoder: randomTextEncoderWeights(textEncoder, 2) });
  return dir;
}

describe('model folder format versions', () => {
  it('writes a bytes-only model exactly as version 1 (no formatVersion) and a word-path model as version 2; both load', async () => {
    const v1 = writeFolder('v1', bytesOnly);
    const v2 = writeFolder('v2', { ...bytesOnly, words: ['apple', 'green', 'red'], wordScale: 4 });
    expect(JSON.parse(readFileSync(join(v1, 'model.json'), 'utf8'))).not.toHaveProperty('formatVersion');
    expect(JSON.parse(readFileSync(join(v2, 'model.json'), 'utf8')).formatVersion).toBe(2);
    for (const dir of [v1, v2]) {
      const model = await loadDefaultModel(dir, { threads: 1 });
      try {
        const a = await model.encodeText(['red apple', 'red apple', 'green apple']);
        const row = (b: number) => Array.from(a.context.subarray(b * 8 * 16, (b + 1) * 8 * 16));
        expect(row(0)).toEqual(row(1));
        expect(row(0)).not.toEqual(row(2));
      } finally {
        await model.close();
      }
    }
  });

  it('refuses a newer format version, and a word path under a version that cannot hold it, with what to do', () => {
    const dir = writeFolder('edited', { ...bytesOnly, words: ['apple', 'green', 'red'], wordScale: 4 });
    const path = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...json, formatVersion: 3 }));
    expect(() => readManifest(dir)).toThrow(/versions 1 to 2\. Update LoRA Studio/);
    writeFileSync(path, JSON.stringify({ ...json, formatVersion: 1 }));
    expect(() => readManifest(dir)).toThrow(/word path/);
    writeFileSync(path, JSON.stringify({ ...json, textEncoder: { ...json.textEncoder, wordScale: 0 } }));
    expect(() => readManifest(dir)).toThrow(/wordScale/);
  });
});
