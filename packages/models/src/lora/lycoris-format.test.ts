import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, SeededRandom, serializeSafetensors } from '@lora-studio/onnx';
import type { AdapterKind, FactoredLayer } from '../adapter/adapter-type';
import { adapterDelta, createAdapter } from '../adapter/adapter-types';
import { formatLoraConvert, loraConvert } from '../cli/lora-convert';
import { loraInspect } from '../cli/lora-inspect';
import { flux2Preset } from '../flux2/config';
import { loadAdapter, loadLora, saveLora } from './files';
import { exportLora, importLora, loraSourceOf } from './formats';
import { loraTargetLayers } from './targets';

/**
 * The key names ComfyUI's LoRA loader accepts for a LyCORIS layer, from ComfyUI's own source: comfy/lora.py
 * `model_lora_keys_unet` maps every diffusion-model weight "diffusion_model.<module>.weight" to the layer names
 * "diffusion_model.<module>" and "lora_unet_<module with . as _>"; `load_lora` reads "<layer>.alpha";
 * comfy/weight_adapter/lokr.py reads "<layer>.lokr_w1", ".lokr_w2", ".lokr_w1_a", ".lokr_w1_b", ".lokr_w2_a",
 * ".lokr_w2_b", ".lokr_t2" and comfy/weight_adapter/loha.py ".hada_w1_a", ".hada_w1_b", ".hada_w2_a",
 * ".hada_w2_b", ".hada_t1", ".hada_t2". A LoKr scales by alpha / rank only with a low-rank factor, else by 1.
 */
const COMFYUI_SUFFIXES = new Set(['alpha', 'lokr_w1', 'lokr_w2', 'lokr_w1_a', 'lokr_w1_b', 'lokr_w2_a', 'lokr_w2_b', 'lokr_t2', 'hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b', 'hada_t1', 'hada_t2']);
function comfyLayerNames(bflModule: string): string[] {
  return [`diffusion_model.${bflModule}`, `lora_unet_${bflModule.replace(/\./g, '_')}`];
}

const config = flux2Preset('flux2-toy');

function trained(kind: AdapterKind, rank: number) {
  const adapter = createAdapter(kind, loraTargetLayers(config, 'all-linear'), { rank, alpha: rank / 2, lokrFactor: 4 }, 1);
  adapter.metadata['lora_studio.training_config'] = JSON.stringify({ adapter: kind, lokrFactor: 4 });
  const rng = new SeededRandom(2);
  for (const l of adapter.layers as FactoredLayer[]) for (const t of Object.values(l.tensors)) rng.fillNormal(t.data, 0.2);
  return adapter;
}

describe('LyCORIS files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lycoris-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['lokr', 'loha'] as const) {
    it(`${kind}: every key is one ComfyUI's LoRA loader reads, in both namings`, () => {
      const adapter = trained(kind, 2);
      for (const format of ['bfl', 'kohya'] as const) {
        const keys = Object.keys(exportLora(adapter, format).tensors);
        const accepted = new Set(adapter.layers.flatMap((l) => comfyLayerNames(l.path)[format === 'bfl' ? 0 : 1]!).flatMap((n) => [...COMFYUI_SUFFIXES].map((s) => `${n}.${s}`)));
        expect(keys.filter((k) => !accepted.has(k))).toEqual([]);
        // Each layer has all it needs, not merely known names.
        expect(keys.filter((k) => k.endsWith('.alpha'))).toHaveLength(adapter.layers.length);
      }
    });

    it(`${kind}: export → lora inspect → import is exact, and convert keeps it LyCORIS`, () => {
      const adapter = trained(kind, 3);
      const file = join(dir, `${kind}.safetensors`);
      saveLora(file, adapter, 'kohya');
      const inspection = loraInspect({ file });
      expect(inspection.adapter).toBe(kind);
      expect(inspection.layers).toHaveLength(adapter.layers.length);
      expect(inspection.metadata.ss_network_module).toBe('lycoris.kohya');
      expect(JSON.parse(inspection.metadata.ss_network_args!)).toEqual(kind === 'lokr' ? { algo: 'lokr', factor: '4' } : { algo: 'loha' });
      const back = loadAdapter(file).adapter;
      back.layers.forEach((l, i) => expect(Array.from(adapterDelta(l))).toEqual(Array.from(adapterDelta(adapter.layers[i]!))));
      const converted = join(dir, `${kind}-bfl.safetensors`);
      expect(loraConvert({ input: file, to: 'bfl', out: converted })).toMatchObject({ from: 'kohya', to: 'bfl' });
      expect(loadAdapter(converted).adapter.layers.map((l) => Array.from(adapterDelta(l)))).toEqual(adapter.layers.map((l) => Array.from(adapterDelta(l))));
      expect(() => loraConvert({ input: file, to: 'peft', out: join(dir, 'no.safetensors') })).toThrow(/cannot hold exactly/);
      // Or as LoRA pairs of a rank, with the error it introduces said.
      const pairs = loraConvert({ input: file, to: 'peft', out: join(dir, `${kind}-pairs.safetensors`), rank: 2 });
      expect(pairs.approximation!.worstRelativeError).toBeGreaterThan(0);
      expect(formatLoraConvert(pairs)).toMatch(/not exact: the largest relative error is \d+\.\d+ %/);
      expect(loadLora(pairs.out).adapter.layers.every((l) => l.rank === 2)).toBe(true);
      // The LoRA-only reader says what the file is instead of calling its keys unknown.
      const { tensors, metadata } = exportLora(adapter, 'bfl');
      expect(() => importLora(loraSourceOf(parseSafetensors(serializeSafetensors(tensors, metadata))))).toThrow(/LyCORIS LoKr or LoHa file/);
    });
  }
});
