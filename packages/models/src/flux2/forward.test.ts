import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, checkGradients, createSession, hostTensor, mul, reduceSum, serializeGraph, type DType, type Tensor, SeededRandom } from '@lora-studio/onnx';
import { writeSafetensorsFile } from '@lora-studio/onnx';
import { flux2Preset, type Flux2Config } from './config';
import { randomFlux2Weights } from './random-weights';
import { bflToDiffusersWeights, type DenseTensor } from './convert-checkpoint';
import { openFlux2Checkpoint } from './checkpoint';
import { addFlux2Inputs, buildFlux2 } from './graph';
import { addFlux2Weights, addLoraInputs, type Flux2WeightSource } from './graph-weights';
import { flux2ImageIds, flux2TextIds } from './positions';
import { referenceFlux2Forward } from './reference-forward';
import { loraTargetLayers } from '../lora/targets';

const B = 2;
const H = 3;
const Wd = 4; // 12 image tokens
const L = 5;

function sampleInputs(c: Flux2Config, seed: number) {
  const rng = new SeededRandom(seed);
  const N = H * Wd;
  const tile = (ids: Float32Array) => Float64Array.from({ length: B * ids.length }, (_, i) => ids[i % ids.length]!);
  return {
    img: rng.fillNormal(new Float64Array(B * N * c.inChannels)) as Float64Array,
    img_ids: tile(flux2ImageIds(H, Wd)),
    txt: rng.fillNormal(new Float64Array(B * L * c.contextDim)) as Float64Array,
    txt_ids: tile(flux2TextIds(L)),
    timesteps: Float64Array.from([0.25, 0.8]),
    guidance: Float64Array.from([4, 1.5]),
  };
}

function feeds(c: Flux2Config, x: ReturnType<typeof sampleInputs>, dtype: DType) {
  const conv = (v: Float64Array) => (dtype === 'float64' ? v : Float32Array.from(v));
  const N = H * Wd;
  const f: Record<string, ReturnType<typeof hostTensor>> = {
    img: hostTensor(dtype, [B, N, c.inChannels], conv(x.img)),
    img_ids: hostTensor(dtype, [B, N, 4], conv(x.img_ids)),
    txt: hostTensor(dtype, [B, L, c.contextDim], conv(x.txt)),
    txt_ids: hostTensor(dtype, [B, L, 4], conv(x.txt_ids)),
    timesteps: hostTensor(dtype, [B], conv(x.timesteps)),
  };
  if (c.guidanceEmbed) f.guidance = hostTensor(dtype, [B], conv(x.guidance));
  return f;
}

function buildGraph(c: Flux2Config, dtype: DType, source: Flux2WeightSource, lora?: (g: Graph) => ReturnType<typeof addLoraInputs>) {
  const g = new Graph('flux2');
  // Training graphs have numeric shapes (one per bucket); inference graphs keep them symbolic.
  const inputs = addFlux2Inputs(g, c, dtype, lora ? { batch: B, imageTokens: H * Wd, textTokens: L } : {});
  const weights = addFlux2Weights(g, c, dtype, source);
  const loraInputs = lora?.(g);
  const out = buildFlux2(g, inputs, { config: c, weights, lora: loraInputs?.layers });
  return { g, out, loraInputs };
}

async function run(g: Graph, outputs: Tensor[], f: Record<string, ReturnType<typeof hostTensor>>, externalDataFolder?: string) {
  const session = await createSession(serializeGraph(g, { outputs, externalDataFolder }), { providers: ['cpu'], threads: 1, optimization: 'basic', externalDataFolder });
  const { outputs: res } = await session.run(f);
  await session.release();
  return outputs.map((o) => res[o.name]!.data as Float64Array | Float32Array);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flux2-graph-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FLUX.2 forward graph', () => {
  for (const guidanceEmbed of [false, true]) {
    it(`matches the plain reference implementation in float64, with LoRAs (guidance embedder ${guidanceEmbed ? 'on' : 'off'})`, async () => {
      const c = { ...flux2Preset('flux2-toy'), guidanceEmbed };
      const dense = randomFlux2Weights(c, 5);
      const x = sampleInputs(c, 6);
      const layers = loraTargetLayers(c, ['img_attn.qkv', 'txt_mlp.2', 'single_blocks.1.linear1', 'final_layer.adaLN_modulation.1']).map((l) => ({ ...l, rank: 3 }));
      const rng = new SeededRandom(12);
      const loraValues = new Map(layers.map((l) => [l.path, {
        down: rng.fillNormal(new Float64Array(3 * l.inDim), 0.2) as Float64Array, up: rng.fillNormal(new Float64Array(l.outDim * 3), 0.2) as Float64Array, rank: 3, scale: 0.7,
      }]));
      const { g, out } = buildGraph(c, 'float64', { kind: 'dense', weights: dense }, (gr) => addLoraInputs(gr, layers, 'float64', 'input'));
      const f = feeds(c, x, 'float64');
      f.lora_scale = hostTensor('float64', [], [0.7]);
      for (const l of layers) {
        f[`${l.path}.lora_A`] = hostTensor('float64', [3, l.inDim], loraValues.get(l.path)!.down);
        f[`${l.path}.lora_B`] = hostTensor('float64', [l.outDim, 3], loraValues.get(l.path)!.up);
      }
      const [y] = await run(g, [out], f);
      const N = H * Wd;
      let worst = 0;
      let scale = 0;
      for (let b = 0; b < B; b++) {
        const ref = referenceFlux2Forward(c, (n) => Float64Array.from(dense[n]!.data), {
          img: x.img.subarray(b * N * c.inChannels, (b + 1) * N * c.inChannels),
          imgIds: x.img_ids.subarray(b * N * 4, (b + 1) * N * 4),
          txt: x.txt.subarray(b * L * c.contextDim, (b + 1) * L * c.contextDim),
          txtIds: x.txt_ids.subarray(b * L * 4, (b + 1) * L * 4),
          t: x.timesteps[b]!, guidance: x.guidance[b]!,
        }, (path) => loraValues.get(path));
        for (let i = 0; i < ref.length; i++) {
          worst = Math.max(worst, Math.abs(ref[i]! - y![b * ref.length + i]!));
          scale = Math.max(scale, Math.abs(ref[i]!));
        }
      }
      expect(scale).toBeGreaterThan(0.1);
      expect(worst / scale).toBeLessThan(1e-10);
    });
  }

  it('gives identical output for BFL-named and diffusers-named copies of the same weights', async () => {
    const c = flux2Preset('flux2-toy');
    const dense = randomFlux2Weights(c, 7);
    const save = (name: string, tensors: Record<string, DenseTensor>) => {
      const path = join(dir, name);
      writeSafetensorsFile(path, Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { dtype: 'F32', shape: t.shape, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) }])));
      return openFlux2Checkpoint(path);
    };
    const x = feeds(c, sampleInputs(c, 8), 'float32');
    const outputs: (Float32Array | Float64Array)[] = [];
    for (const ck of [save('bfl.safetensors', dense), save('diffusers.safetensors', bflToDiffusersWeights(dense))]) {
      const { g, out } = buildGraph(c, 'float32', { kind: 'checkpoint', checkpoint: ck });
      outputs.push((await run(g, [out], x, dir))[0]!);
      ck.close();
    }
    expect(outputs[0]!.length).toBe(B * H * Wd * c.outChannels);
    expect(Buffer.from(outputs[0]!.buffer).equals(Buffer.from(outputs[1]!.buffer))).toBe(true);
  });

  it('computes LoRA gradients that match float64 finite differences', async () => {
    const c = flux2Preset('flux2-toy');
    const layers = loraTargetLayers(c, 'all-linear').map((l) => ({ ...l, rank: 2 }));
    const scales = new Map(layers.map((l) => [l.path, 0.5]));
    const { g, out, loraInputs } = buildGraph(c, 'float64', { kind: 'dense', weights: randomFlux2Weights(c, 9) }, (gr) => addLoraInputs(gr, layers, 'float64', scales));
    const loss = mul(reduceSum(mul(out, out), undefined, { keepdims: false }), 0.5);
    const rng = new SeededRandom(10);
    const f = feeds(c, sampleInputs(c, 11), 'float64');
    for (const t of loraInputs!.tensors) {
      const n = t.shape.reduce<number>((a, d) => a * (d as number), 1);
      f[t.name] = hostTensor('float64', t.shape as number[], rng.fillNormal(new Float64Array(n), 0.05) as Float64Array);
    }
    // Text-stream LoRAs reach the image output only through attention keys/values, so their gradients are
    // ~1e-6 of the image ones: a large step keeps float64 rounding in the differences below truncation error.
    const result = await checkGradients(loss, loraInputs!.tensors, f, { maxElementsPerTensor: 2, step: 1e-3 });
    expect(result.checkedElements).toBe(80);
    expect(result.maxRelError).toBeLessThan(1e-4);
  });
});
