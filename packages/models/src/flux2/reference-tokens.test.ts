// FLUX.2 reference images (multi-reference editing): their position ids, and the graph's separate reference stream
// against the literal forward pass on BFL's sequence [noisy image tokens, reference tokens], cut back to the first N.
import { describe, expect, it } from 'vitest';
import { checkGradients, createSession, Graph, hostTensor, mul, reduceSum, SeededRandom, serializeGraph, type Tensor } from '@lora-studio/onnx';
import { flux2Preset } from './config';
import { addFlux2Inputs, buildFlux2 } from './graph';
import { addFlux2Weights, addLoraInputs } from './graph-weights';
import { flux2ImageIds, flux2ReferenceIds, flux2TextIds } from './positions';
import { randomFlux2Weights } from './random-weights';
import { referenceFlux2Forward } from './reference-forward';
import { loraTargetLayers } from '../lora/targets';

/** (t, h, w, l) of token k in an id array. */
const idAt = (ids: Float32Array, k: number) => Array.from(ids.subarray(k * 4, k * 4 + 4));

describe('reference token positions', () => {
  it('numbers each reference on its own grid from (0, 0), with t = 10 for the first, 20 for the second, 30 for the third', () => {
    const ids = flux2ReferenceIds([{ height: 2, width: 3 }, { height: 1, width: 2 }, { height: 1, width: 1 }]);
    expect(ids.length).toBe((6 + 2 + 1) * 4);
    expect([0, 1, 2, 3, 4, 5].map((k) => idAt(ids, k))).toEqual([[10, 0, 0, 0], [10, 0, 1, 0], [10, 0, 2, 0], [10, 1, 0, 0], [10, 1, 1, 0], [10, 1, 2, 0]]);
    expect([6, 7].map((k) => idAt(ids, k))).toEqual([[20, 0, 0, 0], [20, 0, 1, 0]]);
    expect(idAt(ids, 8)).toEqual([30, 0, 0, 0]);
    // The noisy image keeps t = 0 on the same grid numbering.
    expect(idAt(flux2ImageIds(2, 3), 4)).toEqual([0, 1, 1, 0]);
  });
});

describe('reference tokens in the FLUX.2 graph', () => {
  const c = flux2Preset('flux2-toy');
  const dense = randomFlux2Weights(c, 21);
  const [H, Wd, L] = [2, 3, 4];
  const N = H * Wd;
  const grids = [{ height: 2, width: 2 }, { height: 1, width: 3 }];
  const R = grids.reduce((n, g) => n + g.height * g.width, 0);
  const rng = new SeededRandom(22);
  const x = {
    img: rng.fillNormal(new Float64Array(N * c.inChannels)) as Float64Array,
    ref: rng.fillNormal(new Float64Array(R * c.inChannels)) as Float64Array,
    txt: rng.fillNormal(new Float64Array(L * c.contextDim)) as Float64Array,
  };
  const layers = loraTargetLayers(c, 'all-linear').map((l) => ({ ...l, rank: 2 }));
  const lora = new Map(layers.map((l) => [l.path, {
    down: rng.fillNormal(new Float64Array(2 * l.inDim), 0.2) as Float64Array, up: rng.fillNormal(new Float64Array(l.outDim * 2), 0.2) as Float64Array, rank: 2, scale: 0.5,
  }]));

  function graph() {
    const g = new Graph('flux2_reference');
    const inputs = addFlux2Inputs(g, c, 'float64', { batch: 1, imageTokens: N, textTokens: L, referenceTokens: R });
    const weights = addFlux2Weights(g, c, 'float64', { kind: 'dense', weights: dense });
    const loraInputs = addLoraInputs(g, layers, 'float64', new Map(layers.map((l) => [l.path, 0.5])));
    return { g, out: buildFlux2(g, inputs, { config: c, weights, lora: loraInputs.layers }), loraInputs };
  }
  const feeds = () => {
    const f: Record<string, ReturnType<typeof hostTensor>> = {
      img: hostTensor('float64', [1, N, c.inChannels], x.img),
      img_ids: hostTensor('float64', [1, N, 4], Float64Array.from(flux2ImageIds(H, Wd))),
      ref: hostTensor('float64', [1, R, c.inChannels], x.ref),
      ref_ids: hostTensor('float64', [1, R, 4], Float64Array.from(flux2ReferenceIds(grids))),
      txt: hostTensor('float64', [1, L, c.contextDim], x.txt),
      txt_ids: hostTensor('float64', [1, L, 4], Float64Array.from(flux2TextIds(L))),
      timesteps: hostTensor('float64', [1], [0.6]),
    };
    for (const l of layers) {
      f[`${l.path}.lora_A`] = hostTensor('float64', [2, l.inDim], lora.get(l.path)!.down);
      f[`${l.path}.lora_B`] = hostTensor('float64', [l.outDim, 2], lora.get(l.path)!.up);
    }
    return f;
  };

  it('predicts what the plain forward pass predicts for the first N tokens of [image, references] (float64, with a LoRA)', async () => {
    const { g, out, loraInputs } = graph();
    // The LoRA tensors are inputs here; the scale is a constant.
    expect(loraInputs.tensors.length).toBe(2 * layers.length);
    const session = await createSession(serializeGraph(g, { outputs: [out] }), { providers: ['cpu'], threads: 1, optimization: 'basic' });
    const y = (await session.run(feeds())).outputs[out.name]!.data as Float64Array;
    await session.release();
    expect(y.length).toBe(N * c.outChannels);
    const joined = referenceFlux2Forward(c, (n) => Float64Array.from(dense[n]!.data), {
      img: Float64Array.from([...x.img, ...x.ref]),
      imgIds: Float64Array.from([...flux2ImageIds(H, Wd), ...flux2ReferenceIds(grids)]),
      txt: x.txt, txtIds: Float64Array.from(flux2TextIds(L)), t: 0.6,
    }, (path) => lora.get(path));
    const expected = joined.subarray(0, N * c.outChannels);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i]! - y[i]!));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(worst / scale).toBeLessThan(1e-10);
    // The references matter: without them (the plain forward on the image alone) the prediction differs.
    const alone = referenceFlux2Forward(c, (n) => Float64Array.from(dense[n]!.data), {
      img: x.img, imgIds: Float64Array.from(flux2ImageIds(H, Wd)), txt: x.txt, txtIds: Float64Array.from(flux2TextIds(L)), t: 0.6,
    }, (path) => lora.get(path));
    expect(Math.max(...alone.map((v, i) => Math.abs(v - y[i]!)))).toBeGreaterThan(1e-3);
  });

  it('computes LoRA gradients through the reference stream that match float64 finite differences', async () => {
    const { out, loraInputs } = graph();
    const loss = mul(reduceSum(mul(out, out), undefined, { keepdims: false }), 0.5);
    const f = feeds();
    const wrt: Tensor[] = loraInputs.tensors.filter((t) => t.name.startsWith('double_blocks.0.img_attn.qkv') || t.name.startsWith('single_blocks.0.linear1'));
    expect(wrt.length).toBe(4);
    const result = await checkGradients(loss, wrt, f, { maxElementsPerTensor: 3, step: 1e-3 });
    expect(result.checkedElements).toBeGreaterThanOrEqual(12);
    expect(result.maxRelError).toBeLessThan(1e-4);
  });
});
