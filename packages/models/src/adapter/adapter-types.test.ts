import { describe, expect, it } from 'vitest';
import { Graph, checkGradients, createSession, hostTensor, linear, mul, parseSafetensors, reduceSum, SeededRandom, serializeGraph, serializeSafetensors } from '@lora-studio/onnx';
import { flux2Preset } from '../flux2/config';
import { addFlux2Inputs, buildFlux2, type LoraGraphLayer } from '../flux2/graph';
import { addFlux2Weights } from '../flux2/graph-weights';
import { flux2ImageIds, flux2TextIds } from '../flux2/positions';
import { randomFlux2Weights } from '../flux2/random-weights';
import { exportLora, importAdapter, loraSourceOf } from '../lora/formats';
import { loraTargetLayers } from '../lora/targets';
import type { AdapterKind, AdapterLayer, FactoredLayer } from './adapter-type';
import { adapterDelta, adapterScale, adapterType, createAdapter, exactLowRank } from './adapter-types';
import { lokrFactorization } from './lokr-type';

const config = flux2Preset('flux2-toy');
/** LoKr with a full W2 (rank 16 ≥ half of W2's side) and a low-rank W2, and LoHa. */
const VARIANTS: { name: string; kind: AdapterKind; rank: number; lokrFactor?: number }[] = [
  { name: 'LoKr, full W2', kind: 'lokr', rank: 16, lokrFactor: 4 },
  { name: 'LoKr, low-rank W2', kind: 'lokr', rank: 2, lokrFactor: 4 },
  { name: 'LoHa', kind: 'loha', rank: 3 },
];

/** An adapter with every tensor random (a fresh one has zeros, which would hide half the arithmetic). */
function trained(kind: AdapterKind, rank: number, lokrFactor: number | undefined, targets: readonly string[], seed: number) {
  const adapter = createAdapter(kind, loraTargetLayers(config, targets), { rank, alpha: rank / 2, lokrFactor }, seed);
  const rng = new SeededRandom(seed + 1);
  for (const l of adapter.layers as FactoredLayer[]) for (const t of Object.values(l.tensors)) rng.fillNormal(t.data, 0.3);
  return adapter;
}

describe('LoKr factorisation (LyCORIS rule)', () => {
  it('splits each side as evenly as it divides, or by the given factor', () => {
    expect(lokrFactorization(64)).toEqual([8, 8]);
    expect(lokrFactorization(192)).toEqual([12, 16]);
    expect(lokrFactorization(7)).toEqual([1, 7]);
    expect(lokrFactorization(256, 4)).toEqual([4, 64]);
    expect(lokrFactorization(192, 8)).toEqual([8, 24]);
    // 3 does not divide 100: the most balanced split whose smaller side stays ≤ 3.
    expect(lokrFactorization(100, 3)).toEqual([2, 50]);
    const lokr = adapterType('lokr');
    expect(lokr.tensors({ path: 'x', inDim: 64, outDim: 192 }, { rank: 2, alpha: 1, lokrFactor: 4 }).map((t) => [t.role, t.shape]))
      .toEqual([['lokr_w1', [4, 4]], ['lokr_w2_a', [48, 2]], ['lokr_w2_b', [2, 16]]]);
    // A full W2 ignores alpha, as LyCORIS and ComfyUI apply it.
    expect(adapterScale('lokr', { path: 'x', inDim: 64, outDim: 192 }, { rank: 32, alpha: 1, lokrFactor: 4 })).toBe(1);
  });

  it('starts every kind at ΔW = 0', () => {
    for (const v of VARIANTS) {
      const adapter = createAdapter(v.kind, loraTargetLayers(config, 'all-linear'), { rank: v.rank, alpha: v.rank, lokrFactor: v.lokrFactor }, 3);
      for (const l of adapter.layers) expect(adapterDelta(l).every((x) => x === 0), `${v.name} ${l.path}`).toBe(true);
    }
  });
});

describe.each(VARIANTS)('$name', ({ kind, rank, lokrFactor }) => {
  const type = adapterType(kind);

  it('has the gradients of float64 central finite differences', async () => {
    const target = { path: 'x', inDim: 12, outDim: 8 };
    const settings = { rank, alpha: 3, lokrFactor: kind === 'lokr' ? 2 : undefined };
    const g = new Graph('adapter_grad');
    const x = g.input('x', 'float64', [3, target.inDim]);
    const specs = type.tensors(target, settings);
    if (kind === 'lokr') expect(specs.some((s) => s.role === 'lokr_w2')).toBe(rank === 16);
    const inputs = specs.map((s) => g.input(s.role, 'float64', s.shape));
    const layer = type.graphLayer(inputs, 0.7) as { weight: Parameters<typeof linear>[1] };
    const y = linear(x, layer.weight);
    const loss = reduceSum(mul(mul(y, y), y), undefined, { keepdims: false });
    const rng = new SeededRandom(5);
    const feeds = Object.fromEntries([['x', [3, target.inDim]] as const, ...specs.map((s) => [s.role, s.shape] as const)].map(([name, shape]) =>
      [name, hostTensor('float64', [...shape], rng.fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1)), 0.5) as Float64Array)]));
    const result = await checkGradients(loss, inputs, feeds);
    expect(result.maxRelError).toBeLessThan(1e-6);
  });

  it('forward of the graph with the adapter = forward of the base with W replaced by the merged weight (float64)', async () => {
    const targets = ['img_attn.qkv', 'txt_mlp.2', 'single_blocks.1.linear1'];
    const adapter = trained(kind, rank, lokrFactor, targets, 9);
    const dense = randomFlux2Weights(config, 4);
    const [B, H, W, L] = [1, 2, 3, 4];
    const g = new Graph('merged');
    const inputs = addFlux2Inputs(g, config, 'float64', { batch: B, imageTokens: H * W, textTokens: L });
    const weights = addFlux2Weights(g, config, 'float64', { kind: 'inputs' });
    const lora = new Map<string, LoraGraphLayer>();
    const adapterFeeds: Record<string, ReturnType<typeof hostTensor>> = {};
    for (const l of adapter.layers) {
      const tensors = type.fileTensors(l).map((t) => {
        adapterFeeds[`${l.path}.${t.role}`] = hostTensor('float64', t.shape, Float64Array.from(t.data));
        return g.input(`${l.path}.${t.role}`, 'float64', t.shape);
      });
      lora.set(l.path, type.graphLayer(tensors, type.scale(l)));
    }
    const out = g.output(buildFlux2(g, inputs, { config, weights, lora }), 'out');
    const session = await createSession(serializeGraph(g, { outputs: [out] }), { providers: ['cpu'], threads: 1, optimization: 'disabled' });
    const rng = new SeededRandom(2);
    const base: Record<string, ReturnType<typeof hostTensor>> = {
      img: hostTensor('float64', [B, H * W, config.inChannels], rng.fillNormal(new Float64Array(B * H * W * config.inChannels)) as Float64Array),
      img_ids: hostTensor('float64', [B, H * W, 4], Float64Array.from(flux2ImageIds(H, W))),
      txt: hostTensor('float64', [B, L, config.contextDim], rng.fillNormal(new Float64Array(B * L * config.contextDim)) as Float64Array),
      txt_ids: hostTensor('float64', [B, L, 4], Float64Array.from(flux2TextIds(L))),
      timesteps: hostTensor('float64', [B], [0.4]),
    };
    const weightFeeds = (merge: boolean) => Object.fromEntries(Object.entries(dense).map(([name, t]) => {
      const values = Float64Array.from(t.data);
      const layer = merge ? adapter.layers.find((l) => `${l.path}.weight` === name) : undefined;
      if (layer) adapterDelta(layer).forEach((d, i) => { values[i]! += d; });
      return [name, hostTensor('float64', t.shape, values)];
    }));
    const zeros = Object.fromEntries(Object.entries(adapterFeeds).map(([n, t]) => [n, hostTensor('float64', [...t.dims], new Float64Array(t.data.length))]));
    const withAdapter = (await session.run({ ...base, ...weightFeeds(false), ...adapterFeeds })).outputs.out!.data as Float64Array;
    const merged = (await session.run({ ...base, ...weightFeeds(true), ...zeros })).outputs.out!.data as Float64Array;
    await session.release();
    const scale = Math.max(...merged.map(Math.abs));
    const worst = Math.max(...withAdapter.map((v, i) => Math.abs(v - merged[i]!)));
    expect(scale).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(1e-9);
    // The samplers' exact LoRA form carries the same ΔW.
    for (const l of exactLowRank(adapter).layers) {
      const want = adapterDelta(adapter.layers.find((a) => a.path === l.path)!);
      const got = adapterDelta(l);
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-6 * Math.max(...want.map(Math.abs)));
    }
  });

  it('writes LyCORIS keys in BFL and kohya naming and reads them back exactly', () => {
    const adapter = trained(kind, rank, lokrFactor, ['img_attn.qkv', 'single_blocks.0.linear2'], 4);
    for (const format of ['bfl', 'kohya'] as const) {
      const { tensors, metadata } = exportLora(adapter, format);
      const prefix = format === 'bfl' ? 'diffusion_model.double_blocks.0.img_attn.qkv' : 'lora_unet_double_blocks_0_img_attn_qkv';
      for (const t of type.fileTensors(adapter.layers[0]!)) expect(Object.keys(tensors)).toContain(`${prefix}.${t.role}`);
      expect(Object.keys(tensors)).toContain(`${prefix}.alpha`);
      expect(metadata.ss_network_module).toBe('lycoris.kohya');
      expect(JSON.parse(metadata.ss_network_args!).algo).toBe(kind);
      const back = importAdapter(loraSourceOf(parseSafetensors(serializeSafetensors(tensors, metadata))));
      expect(back.format).toBe(format);
      expect(back.adapter.layers.map(strip)).toEqual(adapter.layers.map(strip));
    }
    expect(() => exportLora(adapter, 'peft')).toThrow(/Choose the bfl or kohya format/);
  });
});

/** What must survive a round trip: the layer's kind, sizes, rank, alpha and every tensor bit for bit. */
function strip(l: AdapterLayer) {
  const f = l as FactoredLayer;
  return { kind: f.kind, path: f.path, inDim: f.inDim, outDim: f.outDim, rank: f.rank, alpha: f.alpha, tensors: Object.fromEntries(Object.entries(f.tensors).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }])) };
}
