// End to end: a 2-block pre-LN transformer with LoRA (rank 8) on q, k, v, o and both MLP linears.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkGradients } from './gradcheck';
import { Graph, type Tensor } from './graph';
import { addAdamWStep, packParameters, packValues } from './optimizer';
import { serializeGraph } from './serialize';
import { createSession, hostTensor } from './session';
import { buildTinyTransformer, tinyBatch, tinyLoraInit, tinyLoraSpecs, type TinyTransformerConfig } from './tiny-transformer';
import { runTrainStep, TrainState } from './train-state';
import { runEngineSelftest } from './selftest';

const CFG: TinyTransformerConfig = { batch: 2, tokens: 4, dim: 16, heads: 2, layers: 2, rank: 8, loraScale: 0.5 };

describe('LoRA transformer end to end', () => {
  it('LoRA gradients match float64 finite differences', async () => {
    const cfg = { ...CFG, dtype: 'float64' as const };
    const g = new Graph('lora_fd');
    const inputs = new Map<string, Tensor>();
    const { loss } = buildTinyTransformer(g, cfg, (name) => {
      const spec = tinyLoraSpecs(cfg).find((s) => s.name === name)!;
      const t = g.input(name, 'float64', spec.shape);
      inputs.set(name, t);
      return t;
    });
    g.output(loss);
    const init = tinyLoraInit(cfg, 'random');
    const batch = tinyBatch(cfg);
    const dims = [cfg.batch, cfg.tokens, cfg.dim];
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float64', batch.x, dims),
      target: new ort.Tensor('float64', batch.target, dims),
    };
    for (const [name, t] of inputs) feeds[name] = new ort.Tensor('float64', init[name], t.shape as number[]);
    const r = await checkGradients(loss, [...inputs.values()], feeds, { maxElementsPerTensor: 12 });
    expect(Object.keys(r.relError)).toHaveLength(24);
    expect(r.maxRelError, JSON.stringify(r.relError)).toBeLessThan(1e-6);
  });

  it('checkpointed blocks recompute their activations and give the same gradients', async () => {
    const cfg = { ...CFG, dtype: 'float64' as const, checkpointBlocks: true };
    const g = new Graph('lora_ckpt');
    const inputs = new Map<string, Tensor>();
    const { loss } = buildTinyTransformer(g, cfg, (name) => {
      const t = g.input(name, 'float64', tinyLoraSpecs(cfg).find((s) => s.name === name)!.shape);
      inputs.set(name, t);
      return t;
    });
    g.output(loss);
    const init = tinyLoraInit(cfg, 'random');
    const batch = tinyBatch(cfg);
    const dims = [cfg.batch, cfg.tokens, cfg.dim];
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float64', batch.x, dims), target: new ort.Tensor('float64', batch.target, dims) };
    for (const [name, t] of inputs) feeds[name] = new ort.Tensor('float64', init[name], t.shape as number[]);
    const r = await checkGradients(loss, [...inputs.values()], feeds, { maxElementsPerTensor: 4 });
    expect(r.maxRelError).toBeLessThan(1e-6);
    const recomputed = g.nodes.filter((n) => n.name.startsWith('recompute.blocks.'));
    expect(recomputed.length).toBeGreaterThan(20);
  });

  it('the selftest passes and reports a falling loss', async () => {
    const lines: string[] = [];
    const r = await runEngineSelftest((l) => lines.push(l), { providers: ['cpu'], threads: 1, steps: 6 });
    expect(r.ok, lines.join('\n')).toBe(true);
    expect(r.losses).toHaveLength(6);
    expect(lines.some((l) => /max relative error/.test(l))).toBe(true);
  });

  it('100 AdamW steps drive the loss down on average', async () => {
    const g = new Graph('lora_train');
    const lora = packParameters(g, 'lora', tinyLoraSpecs(CFG));
    const { loss } = buildTinyTransformer(g, CFG, (name) => lora.tensors.get(name)!);
    const io = addAdamWStep(loss, lora, { weightDecay: 0.01, clipNorm: 1 });
    const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1 });
    const state = TrainState.init(lora.layout, packValues(lora.layout, tinyLoraInit(CFG, 'standard')));
    const batch = tinyBatch(CFG);
    const dims = [CFG.batch, CFG.tokens, CFG.dim];
    const feeds = { x: hostTensor('float32', dims, batch.x), target: hostTensor('float32', dims, batch.target) };
    const losses: number[] = [];
    for (let i = 0; i < 100; i++) losses.push((await runTrainStep(session, io, state, feeds, { lr: 3e-3 })).loss);
    await session.release();
    const means = [0, 1, 2, 3, 4].map((k) => losses.slice(20 * k, 20 * k + 20).reduce((a, b) => a + b, 0) / 20);
    for (let k = 1; k < means.length; k++) expect(means[k], `20-step means ${means.join(', ')}`).toBeLessThan(means[k - 1]);
    expect(losses[99]).toBeLessThan(0.8 * losses[0]);
    expect(state.step).toBe(100);
  });
});
