// Frozen weights converted at each use (bf16 cast, int8 / fp8 dequantized, behind a shape onnxruntime learns only at
// run time) or, for a small checkpoint, once at load give the forward pass exactly what the same weights inline as
// float32 give, under the training session's own settings and every graph optimization.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, createSession, f32ToBf16, hostTensor, serializeGraph, writeSafetensorsFile, SeededRandom } from '@lora-studio/onnx';
import { flux2Preset } from './config';
import { openFlux2Checkpoint, type Flux2Checkpoint } from './checkpoint';
import { addFlux2Inputs, buildFlux2 } from './graph';
import { addFlux2Weights, flux2WeightSession, readFlux2Weight, type FrozenFlux2Weights } from './graph-weights';
import { flux2ImageIds, flux2TextIds } from './positions';
import { quantizedBase } from './quantized-base';
import { randomFlux2Weights } from './random-weights';
import { flux2WeightSpecs } from './weights';

const config = flux2Preset('flux2-toy');
const N = 12;
const T = 5;
let dir: string;
let checkpoint: Flux2Checkpoint;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flux2-weights-'));
  mkdirSync(join(dir, 'model'));
  const path = join(dir, 'model', 'transformer.safetensors');
  writeSafetensorsFile(path, Object.fromEntries(Object.entries(randomFlux2Weights(config, 4)).map(([k, t]) => [k, { dtype: 'BF16', shape: t.shape, data: f32ToBf16(t.data) }])));
  checkpoint = openFlux2Checkpoint(path);
});
afterAll(() => {
  checkpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The transformer's output for fixed inputs, with `weights` under their own session settings and full optimization. */
async function forward(weights: FrozenFlux2Weights): Promise<Buffer> {
  const g = new Graph('flux2');
  const inputs = addFlux2Inputs(g, config, 'float32', { batch: 1, imageTokens: N, textTokens: T });
  g.output(buildFlux2(g, inputs, { config, weights: addFlux2Weights(g, config, 'float32', weights) }), 'out');
  const options = flux2WeightSession(weights);
  const session = await createSession(serializeGraph(g, { externalDataFolder: options.externalDataFolder }), { providers: ['cpu'], threads: 1, optimization: 'all', ...options });
  const rng = new SeededRandom(6);
  const { outputs } = await session.run({
    img: hostTensor('float32', [1, N, config.inChannels], rng.fillNormal(new Float32Array(N * config.inChannels))),
    img_ids: hostTensor('float32', [1, N, 4], flux2ImageIds(3, 4)),
    txt: hostTensor('float32', [1, T, config.contextDim], rng.fillNormal(new Float32Array(T * config.contextDim))),
    txt_ids: hostTensor('float32', [1, T, 4], flux2TextIds(T)),
    timesteps: hostTensor('float32', [1], [0.4]),
  });
  await session.release();
  const data = outputs.out!.data as Float32Array;
  expect(data.every(Number.isFinite)).toBe(true);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The same weights read into memory as float32 and put inline, converted the same way (at use, or at load). */
function inline(weights: FrozenFlux2Weights): FrozenFlux2Weights {
  const convert = weights.kind === 'quantized' ? 'at-use' : weights.convert;
  return {
    kind: 'dense', weights: Object.fromEntries(flux2WeightSpecs(config).map((s) => [s.name, { shape: [...s.shape], data: readFlux2Weight(weights, s.name) }])), convert,
  };
}

describe('frozen weights converted at use', () => {
  it('bf16 by reference gives the output of its float32 values inline, bit for bit', async () => {
    const stored: FrozenFlux2Weights = { kind: 'checkpoint', checkpoint, convert: 'at-use' };
    expect((await forward(stored)).equals(await forward(inline(stored)))).toBe(true);
  });

  it('a small checkpoint is converted once at load (folded casts, pre-packed), with the same output bit for bit', async () => {
    const stored: FrozenFlux2Weights = { kind: 'checkpoint', checkpoint };
    expect(flux2WeightSession(stored).convertWeightsAtLoad).toBe(true);
    expect(flux2WeightSession({ ...stored, convert: 'at-use' }).convertWeightsAtLoad).toBeUndefined();
    const g = new Graph('casts');
    addFlux2Weights(g, config, 'float32', stored);
    // One Cast per weight, and none of the run-time reshapes that keep a per-use cast from being folded.
    expect(g.nodes.filter((n) => n.opType === 'Cast')).toHaveLength(flux2WeightSpecs(config).length);
    expect(g.nodes.filter((n) => n.opType === 'Reshape')).toHaveLength(0);
    expect((await forward(stored)).equals(await forward(inline(stored)))).toBe(true);
  });

  for (const format of ['int8', 'fp8'] as const) {
    it(`${format} gives the output of its dequantized values inline, bit for bit`, async () => {
      const base = quantizedBase(checkpoint, format, join(dir, 'cache'));
      try {
        const stored: FrozenFlux2Weights = { kind: 'quantized', base };
        expect((await forward(stored)).equals(await forward(inline(stored)))).toBe(true);
      } finally {
        base.close();
      }
    });
  }
});
