import { describe, it, expect } from 'vitest';
import { parseSafetensors, serializeSafetensors, fromFloat32, type TensorToWrite, SeededRandom } from '@lora-studio/onnx';
import { flux2Preset } from '../flux2/config';
import { createLoraAdapter, loraDelta, type LoraAdapter } from './adapter';
import { exportLora, importLora, loraSourceOf, type LoraFormat } from './formats';
import { loraTargetLayers } from './targets';
import { loraTrainingMetadata } from './metadata';

const config = flux2Preset('flux2-toy');

/** A trained-looking adapter: random non-zero B and per-layer alphas. */
function trainedAdapter(targets: Parameters<typeof createLoraAdapter>[1]['targets'], seed = 3): LoraAdapter {
  const adapter = createLoraAdapter(config, { targets, rank: 4, alpha: 2, seed });
  const rng = new SeededRandom(seed + 100);
  for (const l of adapter.layers) rng.fillNormal(l.up, 0.1);
  adapter.metadata = loraTrainingMetadata({ baseModel: 'flux2-toy', title: 'cat', triggerWord: 'sks cat', steps: 10, resolution: [512, 512], tagFrequency: { '1_cat': { cat: 3 } }, trainingConfig: { lr: 1e-4 } });
  return adapter;
}

function roundTrip(adapter: LoraAdapter, format: LoraFormat) {
  const { tensors, metadata } = exportLora(adapter, format);
  const file = parseSafetensors(serializeSafetensors(tensors, metadata));
  return { ...importLora(loraSourceOf(file)), file };
}

function expectSameDeltas(a: LoraAdapter, b: LoraAdapter, tolerance: number) {
  expect(b.layers.map((l) => l.path).sort()).toEqual(a.layers.map((l) => l.path).sort());
  for (const la of a.layers) {
    const lb = b.layers.find((l) => l.path === la.path)!;
    const da = loraDelta(la);
    const db = loraDelta(lb);
    let worst = 0;
    for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!));
    expect(worst, la.path).toBeLessThanOrEqual(tolerance);
  }
}

describe('LoRA targets and init', () => {
  it('resolves presets and custom lists to Linear layers with dims', () => {
    const attention = loraTargetLayers(config, 'attention');
    expect(attention.map((l) => l.path)).toEqual([
      'double_blocks.0.img_attn.qkv', 'double_blocks.0.img_attn.proj', 'double_blocks.0.txt_attn.qkv', 'double_blocks.0.txt_attn.proj',
      'double_blocks.1.img_attn.qkv', 'double_blocks.1.img_attn.proj', 'double_blocks.1.txt_attn.qkv', 'double_blocks.1.txt_attn.proj',
      'single_blocks.0.linear1', 'single_blocks.1.linear1',
    ]);
    expect(attention[0]).toMatchObject({ inDim: 64, outDim: 192 });
    expect(loraTargetLayers(config, 'all-linear')).toHaveLength(20);
    expect(loraTargetLayers(config, 'all-linear').find((l) => l.path === 'single_blocks.1.linear2')).toMatchObject({ inDim: 64 + 192, outDim: 64 });
    expect(loraTargetLayers(config, ['img_attn.qkv', 'single_blocks.*.linear2']).map((l) => l.path)).toEqual([
      'double_blocks.0.img_attn.qkv', 'double_blocks.1.img_attn.qkv', 'single_blocks.0.linear2', 'single_blocks.1.linear2']);
    expect(() => loraTargetLayers(config, ['to_q'])).toThrow(/"to_q" matches no Linear layer/);
    expect(() => loraTargetLayers(config, 'everything' as never)).toThrow(/Unknown LoRA target preset/);
  });

  it('starts with B = 0 and a seeded A (Kaiming-uniform or Gaussian)', () => {
    const a = createLoraAdapter(config, { targets: 'attention', rank: 8, seed: 7 });
    const b = createLoraAdapter(config, { targets: 'attention', rank: 8, seed: 7 });
    const g = createLoraAdapter(config, { targets: 'attention', rank: 8, seed: 7, init: 'gaussian' });
    expect(a.layers[0]!.down).toEqual(b.layers[0]!.down);
    expect(a.layers.every((l) => l.up.every((v) => v === 0))).toBe(true);
    expect(Math.max(...a.layers[0]!.down.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    const d = g.layers[0]!.down;
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeGreaterThan(0.1);
    expect(std).toBeLessThan(0.15);
  });
});

describe('LoRA formats', () => {
  const adapter = trainedAdapter(['all-linear', 'final_layer.adaLN_modulation.1'].flatMap((t) => (t === 'all-linear' ? loraTargetLayers(config, 'all-linear').map((l) => l.path) : [t])));

  it('writes each format with its own key names and header', () => {
    const peft = roundTrip(adapter, 'peft').file;
    expect(peft.tensors.map((t) => t.name)).toContain('transformer.transformer_blocks.0.attn.to_k.lora_B.weight');
    expect(peft.tensors.map((t) => t.name)).toContain('transformer.norm_out.linear.lora_A.weight');
    expect(peft.tensors.some((t) => t.name.endsWith('.alpha'))).toBe(false);
    expect(peft.metadata.format).toBe('pt');
    expect(JSON.parse(peft.metadata.lora_adapter_metadata!)).toMatchObject({ 'transformer.r': 4, 'transformer.lora_alpha': 2 });
    const bfl = roundTrip(adapter, 'bfl').file;
    expect(bfl.tensors.map((t) => t.name)).toContain('diffusion_model.double_blocks.0.img_attn.qkv.lora_A.weight');
    expect(bfl.tensors.some((t) => t.name.endsWith('.alpha'))).toBe(false);
    expect(bfl.metadata.ss_network_alpha).toBe('4');
    const kohya = roundTrip(adapter, 'kohya').file;
    expect(kohya.tensors.find((t) => t.name === 'lora_unet_double_blocks_0_img_attn_qkv.alpha')).toMatchObject({ shape: [] });
    expect(kohya.tensors.map((t) => t.name)).toContain('lora_unet_single_blocks_1_linear2.lora_up.weight');
    for (const f of [peft, bfl, kohya]) {
      expect(f.metadata['modelspec.architecture']).toBe('LoRA-Studio/flux2-toy/lora');
      expect(f.metadata['modelspec.trigger_phrase']).toBe('sks cat');
      expect(JSON.parse(f.metadata.ss_tag_frequency!)).toEqual({ '1_cat': { cat: 3 } });
      expect(JSON.parse(f.metadata['lora_studio.training_config']!)).toEqual({ lr: 1e-4 });
    }
  });

  it('round-trips through every format, and chains of formats, with the same weight deltas', () => {
    for (const format of ['peft', 'bfl', 'kohya'] as const) {
      const back = roundTrip(adapter, format);
      expect(back.format).toBe(format);
      expectSameDeltas(adapter, back.adapter, 1e-7);
    }
    let current = adapter;
    for (const format of ['peft', 'kohya', 'bfl', 'peft', 'kohya'] as const) current = roundTrip(current, format).adapter;
    expectSameDeltas(adapter, current, 1e-7);
    // Our own split keeps one shared A, so fusing back is exact and keeps the rank.
    const fused = roundTrip(adapter, 'peft').adapter.layers.find((l) => l.path === 'double_blocks.1.txt_attn.qkv')!;
    const original = adapter.layers.find((l) => l.path === 'double_blocks.1.txt_attn.qkv')!;
    expect(fused.rank).toBe(4);
    expect(fused.up).toEqual(original.up);
    expect(fused.down).toEqual(original.down);
  });

  it('fuses independent q/k/v LoRAs exactly into a block-diagonal qkv LoRA', () => {
    const rng = new SeededRandom(11);
    const tensors: Record<string, TensorToWrite> = {};
    const parts = [['to_q', 2, 2], ['to_k', 3, 6], ['to_v', 1, 0.5]] as const;
    const deltas: Float64Array[] = [];
    for (const [name, rank, alpha] of parts) {
      const down = rng.fillNormal(new Float32Array(rank * 64), 1) as Float32Array;
      const up = rng.fillNormal(new Float32Array(64 * rank), 1) as Float32Array;
      tensors[`transformer.transformer_blocks.0.attn.${name}.lora_A.weight`] = { dtype: 'F32', shape: [rank, 64], data: fromFloat32('F32', down) };
      tensors[`transformer.transformer_blocks.0.attn.${name}.lora_B.weight`] = { dtype: 'F32', shape: [64, rank], data: fromFloat32('F32', up) };
      deltas.push(loraDelta({ path: name, inDim: 64, outDim: 64, rank, alpha, down, up }));
    }
    const header = { lora_adapter_metadata: JSON.stringify({ 'transformer.r': 2, 'transformer.lora_alpha': 2, 'transformer.alpha_pattern': { 'transformer_blocks.0.attn.to_k': 6, 'transformer_blocks.0.attn.to_v': 0.5 } }) };
    const { adapter: fused } = importLora(loraSourceOf(parseSafetensors(serializeSafetensors(tensors, header))));
    const qkv = fused.layers[0]!;
    expect(qkv).toMatchObject({ path: 'double_blocks.0.img_attn.qkv', rank: 6, outDim: 192, inDim: 64 });
    const delta = loraDelta(qkv);
    for (let p = 0; p < 3; p++) {
      for (let i = 0; i < 64 * 64; i++) expect(Math.abs(delta[p * 64 * 64 + i]! - deltas[p]![i]!)).toBeLessThan(1e-5 * (1 + Math.abs(deltas[p]![i]!)));
    }
    // Split again and fuse again: still the same effective weights.
    expectSameDeltas(fused, roundTrip(fused, 'peft').adapter, 1e-6);
  });

  it('reads the scale of rsLoRA files (alpha / sqrt(r))', () => {
    const { tensors } = exportLora(adapter, 'peft');
    const meta = { lora_adapter_metadata: JSON.stringify({ 'transformer.r': 4, 'transformer.lora_alpha': 2, 'transformer.use_rslora': true }) };
    const { adapter: back } = importLora(loraSourceOf(parseSafetensors(serializeSafetensors(tensors, meta))));
    expect(back.layers[0]!.alpha / back.layers[0]!.rank).toBeCloseTo(2 / Math.sqrt(4), 12);
  });

  it('rejects files it cannot read faithfully, naming the keys', () => {
    const { tensors } = exportLora(adapter, 'kohya');
    const stray = { ...tensors, 'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': tensors['lora_unet_single_blocks_0_linear1.lora_down.weight']! };
    expect(() => importLora(loraSourceOf(parseSafetensors(serializeSafetensors(stray))))).toThrow(/not FLUX\.2 transformer LoRA tensors: lora_te1_text_model_encoder_layers_0_mlp_fc1\.lora_down\.weight/);
    const bflTensors = exportLora(adapter, 'bfl').tensors;
    expect(() => importLora(loraSourceOf(parseSafetensors(serializeSafetensors({ ...tensors, ...bflTensors }))))).toThrow(/mixes LoRA namings \((kohya, bfl|bfl, kohya)\)/);
    const half = { ...tensors };
    delete half['lora_unet_single_blocks_0_linear1.lora_up.weight'];
    expect(() => importLora(loraSourceOf(parseSafetensors(serializeSafetensors(half))))).toThrow(/single_blocks\.0\.linear1 has lora_A\/down but not lora_B\/up/);
  });

  it('cannot write keys for layers that are not FLUX.2 Linear layers', () => {
    const bad: LoraAdapter = { metadata: {}, layers: [{ ...adapter.layers[0]!, path: 'double_blocks.0.img_attn.norm.query_norm' }] };
    expect(() => exportLora(bad, 'peft')).toThrow(/not a FLUX\.2 Linear layer/);
    const dup: LoraAdapter = { metadata: {}, layers: [adapter.layers[0]!, adapter.layers[0]!] };
    expect(() => exportLora(dup, 'bfl')).toThrow(/same key/);
  });
});
