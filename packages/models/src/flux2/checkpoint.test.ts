import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensorsFile, type TensorToWrite } from '@lora-studio/onnx';
import { flux2Preset } from './config';
import { openFlux2Checkpoint } from './checkpoint';
import { bflToDiffusersWeights, type DenseTensor } from './convert-checkpoint';
import { randomFlux2Weights } from './random-weights';
import { f32ToBf16 } from '@lora-studio/onnx';

const config = flux2Preset('flux2-toy');
let dir: string;
let bfl: Record<string, DenseTensor>;

function write(name: string, tensors: Record<string, DenseTensor>, prefix = '', dtype: 'F32' | 'BF16' = 'F32'): string {
  const path = join(dir, name);
  const out: Record<string, TensorToWrite> = {};
  for (const [k, t] of Object.entries(tensors)) {
    out[prefix + k] = { dtype, shape: t.shape, data: dtype === 'F32' ? new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) : f32ToBf16(t.data) };
  }
  writeSafetensorsFile(path, out);
  return path;
}

function sameBits(x: Float32Array, y: Float32Array): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flux2-ckpt-'));
  bfl = randomFlux2Weights(config, 1);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FLUX.2 checkpoint loading', () => {
  it('reads BFL and diffusers namings (and the ComfyUI prefix) to the same BFL weights', () => {
    const a = openFlux2Checkpoint(write('bfl.safetensors', bfl));
    const b = openFlux2Checkpoint(write('diffusers.safetensors', bflToDiffusersWeights(bfl)));
    const c = openFlux2Checkpoint(write('comfy.safetensors', bfl, 'model.diffusion_model.'));
    expect(a.naming).toBe('bfl');
    expect(b.naming).toBe('diffusers');
    expect(b.config).toEqual(config);
    expect(a.config).toEqual(config);
    expect([...b.weights.keys()].sort()).toEqual(Object.keys(bfl).sort());
    for (const name of Object.keys(bfl)) {
      for (const ck of [a, b, c]) expect(sameBits(ck.readFloat32(name), bfl[name]!.data), `${ck.naming} ${name}`).toBe(true);
    }
    // The fused qkv of a diffusers file is three row ranges pointing into the file, not a copy.
    expect(b.weights.get('double_blocks.0.img_attn.qkv.weight')!.pieces.map((p) => p.tensor)).toEqual([
      'transformer_blocks.0.attn.to_q.weight', 'transformer_blocks.0.attn.to_k.weight', 'transformer_blocks.0.attn.to_v.weight']);
    expect(b.weights.get('final_layer.adaLN_modulation.1.weight')!.pieces.map((p) => [p.rowStart, p.rowEnd])).toEqual([[64, 128], [0, 64]]);
    for (const ck of [a, b, c]) ck.close();
  });

  it('reads a folder of diffusers shards', () => {
    const shards = join(dir, 'transformer');
    mkdirSync(shards);
    const diff = Object.entries(bflToDiffusersWeights(bfl));
    const half = Math.floor(diff.length / 2);
    writeSafetensorsFile(join(shards, 'diffusion_pytorch_model-00001-of-00002.safetensors'), Object.fromEntries(diff.slice(0, half).map(([k, t]) => [k, { dtype: 'F32', shape: t.shape, data: new Uint8Array(t.data.buffer) }])));
    writeSafetensorsFile(join(shards, 'diffusion_pytorch_model-00002-of-00002.safetensors'), Object.fromEntries(diff.slice(half).map(([k, t]) => [k, { dtype: 'F32', shape: t.shape, data: new Uint8Array(t.data.buffer) }])));
    const ck = openFlux2Checkpoint(shards);
    expect(ck.naming).toBe('diffusers');
    for (const name of Object.keys(bfl)) expect(sameBits(ck.readFloat32(name), bfl[name]!.data), name).toBe(true);
    ck.close();
    mkdirSync(join(dir, 'empty'));
    expect(() => openFlux2Checkpoint(join(dir, 'empty'))).toThrow(/folder without \.safetensors files/);
  });

  it('reads bf16 checkpoints as float32', () => {
    const ck = openFlux2Checkpoint(write('bf16.safetensors', bfl, '', 'BF16'));
    const w = ck.readFloat32('img_in.weight');
    const ref = bfl['img_in.weight']!.data;
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - ref[i]!)).toBeLessThanOrEqual(Math.abs(ref[i]!) * 2 ** -8);
    ck.close();
  });

  it('names missing, unexpected and wrong-shape keys', () => {
    const broken = { ...bfl };
    delete broken['single_blocks.1.linear2.weight'];
    broken['single_blocks.0.linear1.weight'] = { shape: [10, 64], data: new Float32Array(640) };
    broken['vector_in.weight'] = { shape: [1], data: new Float32Array(1) };
    expect(() => openFlux2Checkpoint(write('broken.safetensors', broken), { config })).toThrow(
      /missing: single_blocks\.1\.linear2\.weight; wrong shape: single_blocks\.0\.linear1\.weight is \[10,64\] but the config needs \[576,64\]; unexpected: vector_in\.weight/,
    );
    const diff = bflToDiffusersWeights(bfl);
    delete diff['transformer_blocks.1.attn.add_k_proj.weight'];
    expect(() => openFlux2Checkpoint(write('broken-diff.safetensors', diff))).toThrow(/missing: transformer_blocks\.1\.attn\.add_k_proj\.weight/);
  });

  it('refuses a checkpoint that mixes namings', () => {
    const mixed: Record<string, DenseTensor> = { ...bfl, ...bflToDiffusersWeights({ 'img_in.weight': bfl['img_in.weight']! }) };
    delete mixed['img_in.weight'];
    expect(() => openFlux2Checkpoint(write('mixed.safetensors', mixed))).toThrow(/mixes BFL names .* and diffusers names \(x_embedder\.weight\)/);
  });

  it('infers the config from shapes, or checks a given one', () => {
    const path = write('dev-like.safetensors', randomFlux2Weights({ ...config, guidanceEmbed: true, numSingleBlocks: 1 }, 2));
    const ck = openFlux2Checkpoint(path);
    expect(ck.config).toMatchObject({ guidanceEmbed: true, numSingleBlocks: 1, hiddenSize: 64, headDim: 16, mlpRatio: 3 });
    ck.close();
    expect(() => openFlux2Checkpoint(path, { config })).toThrow(/missing: single_blocks\.1\.linear1\.weight.*unexpected: guidance_in\.in_layer\.weight/);
  });
});
