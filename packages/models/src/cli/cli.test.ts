import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flux2Preset } from '../flux2/config';
import { createLoraAdapter, loraDelta } from '../lora/adapter';
import { saveLora, loadLora } from '../lora/files';
import { loraTrainingMetadata } from '../lora/metadata';
import { loraConvert } from './lora-convert';
import { loraInspect, formatLoraInspection } from './lora-inspect';
import { SeededRandom } from '@lora-studio/onnx';

describe('lora convert / inspect', () => {
  it('converts between formats on disk and describes the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lora-cli-'));
    try {
      const adapter = createLoraAdapter(flux2Preset('flux2-toy'), { targets: 'attention', rank: 4, alpha: 8, seed: 1 });
      new SeededRandom(2).fillNormal(adapter.layers[0]!.up, 1);
      adapter.metadata = loraTrainingMetadata({ baseModel: 'flux2-klein-4b', triggerWord: 'ohwx' });
      saveLora(join(dir, 'a.safetensors'), adapter, 'peft');
      expect(loraConvert({ input: join(dir, 'a.safetensors'), to: 'kohya', out: join(dir, 'b.safetensors') })).toMatchObject({ from: 'peft', to: 'kohya', layers: 10 });
      const back = loadLora(join(dir, 'b.safetensors'));
      expect(back.format).toBe('kohya');
      expect(Array.from(loraDelta(back.adapter.layers[0]!))).toEqual(Array.from(loraDelta(adapter.layers[0]!)));
      const info = loraInspect({ file: join(dir, 'b.safetensors') });
      expect(info).toMatchObject({ format: 'kohya', ranks: [4], alphas: [8], doubleBlocks: 2, singleBlocks: 2, hiddenSize: 64, architecture: 'Flux.2-klein-4b/lora', triggerWord: 'ohwx', dtypes: ['F32'] });
      expect(formatLoraInspection(info)).toMatch(/format: +kohya +\(Flux\.2-klein-4b\/lora\)/);
      expect(() => loraConvert({ input: join(dir, 'a.safetensors'), to: 'comfy', out: join(dir, 'c.safetensors') })).toThrow(/--to must be one of peft, bfl, kohya/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
