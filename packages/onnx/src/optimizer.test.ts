// In-graph AdamW against a plain TypeScript AdamW; gradient accumulation and loss scaling against the fused step.
import { describe, expect, it } from 'vitest';
import { seededValues } from './gradcheck';
import { Graph } from './graph';
import { addAdamWStep, addGradientAccumulation, buildApplyUpdateGraph, packLayout, packParameters, packValues } from './optimizer';
import { serializeGraph } from './serialize';
import { createSession, hostTensor } from './session';
import { buildTinyTransformer, tinyBatch, tinyLoraInit, tinyLoraSpecs, type TinyTransformerConfig } from './tiny-transformer';
import { runAccumulateStep, runApplyUpdate, runTrainStep, TrainState } from './train-state';

interface RefOpts { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; clipNorm: number }

/** Textbook AdamW (decoupled decay, bias correction) with global-norm clipping, in float64. */
function referenceAdamW(p: Float64Array, m: Float64Array, v: Float64Array, grad: Float64Array, t: number, o: RefOpts) {
  const norm = Math.sqrt(grad.reduce((s, x) => s + x * x, 0));
  const clip = Math.min(1, o.clipNorm / (norm + 1e-6));
  for (let i = 0; i < p.length; i++) {
    const g = grad[i] * clip;
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    const mHat = m[i] / (1 - o.beta1 ** t);
    const vHat = v[i] / (1 - o.beta2 ** t);
    p[i] -= o.lr * (mHat / (Math.sqrt(vHat) + o.eps) + o.weightDecay * p[i]);
  }
  return norm;
}

const CFG: TinyTransformerConfig = { batch: 2, tokens: 4, dim: 16, heads: 2, layers: 1, rank: 4 };

describe('AdamW in the graph', () => {
  it('matches a TypeScript AdamW over 6 steps with clipping and weight decay', async () => {
    const layout = packLayout([{ name: 'a', shape: [3, 4] }, { name: 'b', shape: [5] }]);
    const o: RefOpts = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, clipNorm: 0.5 };
    const { graph, io } = buildApplyUpdateGraph(layout, 'lora', { weightDecay: o.weightDecay, eps: o.eps, clipNorm: o.clipNorm });
    const session = await createSession(serializeGraph(graph), { providers: ['cpu'], threads: 1 });
    const p0 = seededValues(layout.total, 1);
    const state = TrainState.init(layout, Float32Array.from(p0));
    const [p, m, v] = [Float64Array.from(Float32Array.from(p0)), new Float64Array(layout.total), new Float64Array(layout.total)];
    for (let t = 1; t <= 6; t++) {
      const acc = Float32Array.from(seededValues(layout.total, 10 + t), (x) => x * (t % 2 ? 2 : 0.1));
      const r = await runApplyUpdate(session, io, state, acc, 0.5, { lr: o.lr, beta1: o.beta1, beta2: o.beta2 });
      const norm = referenceAdamW(p, m, v, Float64Array.from(acc, (x) => x * 0.5), t, o);
      expect(r.gradNorm).toBeCloseTo(norm, 5);
    }
    await session.release();
    expect(state.step).toBe(6);
    for (let i = 0; i < p.length; i++) expect(state.params[i]).toBeCloseTo(p[i], 6);
  });

  it('accumulating two half batches then applying equals one fused step on the whole batch', async () => {
    const half = { ...CFG, batch: 1 };
    const init = packValues(packLayout(tinyLoraSpecs(CFG)), tinyLoraInit(CFG, 'random'));
    const batch = tinyBatch(CFG);
    const n = CFG.tokens * CFG.dim;
    const dims = (b: number) => [b, CFG.tokens, CFG.dim];

    const fusedGraph = new Graph('fused');
    const packF = packParameters(fusedGraph, 'lora', tinyLoraSpecs(CFG));
    const fusedIO = addAdamWStep(buildTinyTransformer(fusedGraph, CFG, (k) => packF.tensors.get(k)!).loss, packF, { clipNorm: 100 });
    const fused = await createSession(serializeGraph(fusedGraph), { providers: ['cpu'], threads: 1 });
    const fusedState = TrainState.init(packF.layout, init.slice());

    const accGraph = new Graph('accumulate');
    const packA = packParameters(accGraph, 'lora', tinyLoraSpecs(half));
    const accIO = addGradientAccumulation(buildTinyTransformer(accGraph, half, (k) => packA.tensors.get(k)!).loss, packA);
    const accumulate = await createSession(serializeGraph(accGraph), { providers: ['cpu'], threads: 1 });
    const apply = buildApplyUpdateGraph(packA.layout, 'lora', { clipNorm: 100 });
    const applySession = await createSession(serializeGraph(apply.graph), { providers: ['cpu'], threads: 1 });
    const accState = TrainState.init(packA.layout, init.slice());

    for (let step = 0; step < 2; step++) {
      const f = await runTrainStep(fused, fusedIO, fusedState, {
        x: hostTensor('float32', dims(2), batch.x), target: hostTensor('float32', dims(2), batch.target),
      }, { lr: 1e-2 });
      let acc: Float32Array = new Float32Array(packA.layout.total);
      for (const k of [0, 1]) {
        const feeds = {
          x: hostTensor('float32', dims(1), batch.x.slice(k * n, (k + 1) * n)),
          target: hostTensor('float32', dims(1), batch.target.slice(k * n, (k + 1) * n)),
        };
        acc = (await runAccumulateStep(accumulate, accIO, accState.params, acc, feeds)).gradAcc;
      }
      const a = await runApplyUpdate(applySession, apply.io, accState, acc, 0.5, { lr: 1e-2 });
      expect(a.gradNorm).toBeCloseTo(f.gradNorm, 5);
    }
    for (let i = 0; i < init.length; i++) expect(accState.params[i]).toBeCloseTo(fusedState.params[i], 5);
    await Promise.all([fused.release(), accumulate.release(), applySession.release()]);
  });

  it('loss scaling: scaled steps equal unscaled ones, and a step with non-finite gradients is skipped', async () => {
    const init = packValues(packLayout(tinyLoraSpecs(CFG)), tinyLoraInit(CFG, 'random'));
    const batch = tinyBatch(CFG);
    const feeds = { x: hostTensor('float32', [2, CFG.tokens, CFG.dim], batch.x), target: hostTensor('float32', [2, CFG.tokens, CFG.dim], batch.target) };
    const g = new Graph('scaled');
    const pack = packParameters(g, 'lora', tinyLoraSpecs(CFG));
    const io = addAdamWStep(buildTinyTransformer(g, CFG, (k) => pack.tensors.get(k)!).loss, pack, { lossScaling: true });
    const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1 });
    const plain = TrainState.init(pack.layout, init.slice());
    const scaled = TrainState.init(pack.layout, init.slice());
    const r1 = await runTrainStep(session, io, plain, feeds, { lr: 1e-2, lossScale: 1 });
    const r2 = await runTrainStep(session, io, scaled, feeds, { lr: 1e-2, lossScale: 1024 });
    expect(r2.gradNorm).toBeCloseTo(r1.gradNorm, 4);
    for (let i = 0; i < init.length; i += 7) expect(scaled.params[i]).toBeCloseTo(plain.params[i], 6);
    const before = scaled.params.slice();
    const poisoned = batch.x.slice();
    poisoned[5] = NaN;
    const r3 = await runTrainStep(session, io, scaled, { ...feeds, x: hostTensor('float32', [2, CFG.tokens, CFG.dim], poisoned) }, { lr: 1e-2, lossScale: 1024 });
    expect(r3.applied).toBe(false);
    expect(scaled.step).toBe(1);
    expect(Array.from(scaled.params)).toEqual(Array.from(before));
    await session.release();
  });
});
