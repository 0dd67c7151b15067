import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensorsFile, fromFloat32, type TensorToWrite, SeededRandom } from '@lora-studio/onnx';
import { flux2Preset } from '../flux2/config';
import { randomFlux2Weights } from '../flux2/random-weights';
import { bflToDiffusersWeights } from '../flux2/convert-checkpoint';
import { flux2ImageIds, flux2TextIds } from '../flux2/positions';
import { referenceFlux2Forward } from '../flux2/reference-forward';
import { createLoraAdapter, loraScale } from '../lora/adapter';
import { exportLora } from '../lora/formats';
import { loadLora } from '../lora/files';
import { modelRun } from './model-run';

const f64 = (v: ArrayLike<number>): TensorToWrite['data'] => fromFloat32('F64', Float64Array.from(v));

describe('model run', () => {
  it('runs a diffusers-named checkpoint with a PEFT LoRA, and its LoRA gradients match finite differences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-run-'));
    try {
      const c = flux2Preset('flux2-toy');
      const dense = randomFlux2Weights(c, 21);
      const diff = bflToDiffusersWeights(dense);
      writeSafetensorsFile(join(dir, 'w.safetensors'), Object.fromEntries(Object.entries(diff).map(([k, t]) => [k, { dtype: 'F32', shape: t.shape, data: fromFloat32('F32', t.data) }])));
      const rng = new SeededRandom(22);
      const [N, L] = [6, 3];
      const img = rng.fillNormal(new Float64Array(N * c.inChannels)) as Float64Array;
      const txt = rng.fillNormal(new Float64Array(L * c.contextDim)) as Float64Array;
      writeSafetensorsFile(join(dir, 'in.safetensors'), {
        img: { dtype: 'F64', shape: [1, N, c.inChannels], data: f64(img) },
        img_ids: { dtype: 'I64', shape: [1, N, 4], data: new Uint8Array(BigInt64Array.from(flux2ImageIds(2, 3), (v) => BigInt(v)).buffer) },
        txt: { dtype: 'F64', shape: [1, L, c.contextDim], data: f64(txt) },
        txt_ids: { dtype: 'F32', shape: [1, L, 4], data: fromFloat32('F32', flux2TextIds(L)) },
        timesteps: { dtype: 'F32', shape: [1], data: fromFloat32('F32', new Float32Array([0.5])) },
      });
      const adapter = createLoraAdapter(c, { targets: ['img_attn.qkv', 'txt_attn.qkv', 'single_blocks.1.linear1', 'final_layer.adaLN_modulation.1'], rank: 2, alpha: 3, seed: 23 });
      for (const l of adapter.layers) rng.fillNormal(l.up, 0.3);
      const peft = exportLora(adapter, 'peft');
      // A PEFT file as other trainers write it: q, k and v each with their own A (our own export shares one).
      for (const [key, t] of Object.entries(peft.tensors)) {
        if (key.endsWith('lora_A.weight')) peft.tensors[key] = { ...t, data: fromFloat32('F32', rng.fillNormal(new Float32Array(t.shape[0]! * t.shape[1]!), 0.3) as Float32Array) };
      }
      // Returns the file and the perturbed value as stored (float32-rounded), for an exact difference quotient.
      const writeLora = (name: string, tweak?: { key: string; index: number; delta: number }) => {
        const tensors = { ...peft.tensors };
        let stored = 0;
        if (tweak) {
          const values = new Float32Array(tensors[tweak.key]!.data.slice().buffer);
          stored = values[tweak.index]! += tweak.delta;
          tensors[tweak.key] = { ...tensors[tweak.key]!, data: new Uint8Array(values.buffer) };
        }
        writeSafetensorsFile(join(dir, name), tensors, peft.metadata);
        return { path: join(dir, name), stored };
      };
      const args = { weights: join(dir, 'w.safetensors'), inputs: join(dir, 'in.safetensors'), dtype: 'float64' as const, loraScale: 0.8 };
      const base = writeLora('l.safetensors').path;
      const result = await modelRun({ ...args, out: join(dir, 'out.safetensors'), lora: base, gradLora: true });
      expect(result).toMatchObject({ batch: 1, imageTokens: N, textTokens: L, provider: 'cpu' });
      const out = SafetensorsFile.open(join(dir, 'out.safetensors'));
      const y = out.readFloat64('out');
      // Gradients in the file's own names and shapes, not the fused rank-6 layer the q/k/v split becomes in memory.
      expect(out.info('transformer.transformer_blocks.0.attn.to_k.lora_A.weight').shape).toEqual([2, 64]);
      expect(out.info('transformer.transformer_blocks.0.attn.to_v.lora_B.weight').shape).toEqual([64, 2]);
      expect(result.written.filter((n) => n !== 'out').sort()).toEqual(Object.keys(peft.tensors).sort());
      const fused = loadLora(base).adapter;
      expect(fused.layers.find((l) => l.path === 'double_blocks.0.img_attn.qkv')!.rank).toBe(6);

      const ref = referenceFlux2Forward(c, (n) => Float64Array.from(dense[n]!.data), {
        img, txt, imgIds: Float64Array.from(flux2ImageIds(2, 3)), txtIds: Float64Array.from(flux2TextIds(L)), t: 0.5,
      }, (path) => {
        const l = fused.layers.find((a) => a.path === path);
        return l && { down: Float64Array.from(l.down), up: Float64Array.from(l.up), rank: l.rank, scale: 0.8 * loraScale(l) };
      });
      for (let i = 0; i < ref.length; i++) expect(Math.abs(y[i]! - ref[i]!)).toBeLessThan(1e-5);

      const loss = async (lora: string) => {
        await modelRun({ ...args, out: join(dir, 'probe.safetensors'), lora });
        const probe = SafetensorsFile.open(join(dir, 'probe.safetensors'));
        const v = probe.readFloat64('out');
        probe.close();
        return 0.5 * v.reduce((s, x) => s + x * x, 0);
      };
      const probes = [
        ['transformer.transformer_blocks.0.attn.to_k.lora_A.weight', 5],
        ['transformer.transformer_blocks.0.attn.to_v.lora_A.weight', 70],
        ['transformer.transformer_blocks.1.attn.add_v_proj.lora_B.weight', 7],
        ['transformer.norm_out.linear.lora_B.weight', 3],
        ['transformer.single_transformer_blocks.1.attn.to_qkv_mlp_proj.lora_A.weight', 11],
      ] as const;
      const h = 1e-3;
      for (const [key, index] of probes) {
        const analytic = out.readFloat64(key)[index]!;
        const plus = writeLora('p.safetensors', { key, index, delta: h });
        const minus = writeLora('m.safetensors', { key, index, delta: -h });
        const numeric = ((await loss(plus.path)) - (await loss(minus.path))) / (plus.stored - minus.stored);
        expect(Math.abs(analytic - numeric), key).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
        expect(Math.abs(numeric), key).toBeGreaterThan(1e-6);
      }
      out.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
