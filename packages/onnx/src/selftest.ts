// `lora-studio engine selftest`: builds a small LoRA'd transformer, checks its LoRA gradients against float64
// finite differences, then trains 20 steps on the best available provider and prints the falling loss.

import * as ort from 'onnxruntime-node';
import { checkGradients } from './gradcheck';
import { Graph, type Tensor } from './graph';
import { addAdamWStep, packParameters, packValues } from './optimizer';
import { serializeGraph } from './serialize';
import { createSession, hostTensor, type EngineSession, type ProviderName } from './session';
import { buildTinyTransformer, tinyBatch, tinyLoraInit, tinyLoraSpecs, type TinyTransformerConfig } from './tiny-transformer';
import { runTrainStep, TrainState } from './train-state';

export interface SelftestOptions {
  providers?: ProviderName[];
  threads?: number;
  steps?: number;
}

export interface SelftestResult {
  ok: boolean;
  maxGradError: number;
  provider: ProviderName;
  losses: number[];
}

const CFG: TinyTransformerConfig = { batch: 2, tokens: 8, dim: 32, heads: 4, layers: 2, rank: 8, loraScale: 0.5 };
const GRAD_TOLERANCE = 1e-6;

export async function runEngineSelftest(log: (line: string) => void, opts: SelftestOptions = {}): Promise<SelftestResult> {
  const c = CFG;
  log(`Model: pre-LN transformer, ${c.layers} blocks, dim ${c.dim}, ${c.heads} heads, batch ${c.batch}×${c.tokens} tokens; ` +
    `LoRA rank ${c.rank} on q, k, v, o, mlp.fc1, mlp.fc2 (${tinyLoraSpecs(c).length} tensors)`);

  const maxGradError = await gradientCheck(log);

  const { session, io, state, feeds, cpuLoss } = await trainingSetup(opts);
  log(`Training on ${session.provider}` + session.fallbacks.map((f) => ` (skipped ${f.provider}: ${f.reason})`).join(''));
  const losses: number[] = [];
  for (let i = 0; i < (opts.steps ?? 20); i++) {
    const r = await runTrainStep(session, io, state, feeds, { lr: 3e-3 });
    losses.push(r.loss);
    log(`  step ${String(i + 1).padStart(2)}  loss ${r.loss.toFixed(6)}  grad norm ${r.gradNorm.toFixed(4)}  ${r.ms.toFixed(1)} ms`);
  }
  await session.release();
  let ok = maxGradError < GRAD_TOLERANCE;
  if (cpuLoss !== null) {
    const diff = Math.abs(losses[0] - cpuLoss) / Math.abs(cpuLoss);
    log(`First-step loss on ${session.provider} vs CPU: relative difference ${diff.toExponential(2)}`);
    ok &&= diff < 1e-3;
  }
  const k = Math.min(5, Math.floor(losses.length / 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const falling = mean(losses.slice(-k)) < mean(losses.slice(0, k));
  log(`Loss ${falling ? 'fell' : 'did NOT fall'}: ${losses[0].toFixed(6)} → ${losses[losses.length - 1].toFixed(6)}`);
  ok &&= falling;
  log(ok ? 'Engine selftest passed.' : 'Engine selftest FAILED.');
  return { ok, maxGradError, provider: session.provider, losses };
}

async function gradientCheck(log: (line: string) => void): Promise<number> {
  const cfg = { ...CFG, dtype: 'float64' as const };
  const g = new Graph('selftest_gradcheck');
  const inputs = new Map<string, Tensor>();
  const specs = tinyLoraSpecs(cfg);
  const { loss } = buildTinyTransformer(g, cfg, (name) => {
    const t = g.input(name, 'float64', specs.find((s) => s.name === name)!.shape);
    inputs.set(name, t);
    return t;
  });
  g.output(loss);
  const init = tinyLoraInit(cfg, 'random');
  const batch = tinyBatch(cfg);
  const dims = [cfg.batch, cfg.tokens, cfg.dim];
  const feeds: Record<string, ort.Tensor> = { x: hostTensor('float64', dims, batch.x), target: hostTensor('float64', dims, batch.target) };
  for (const [name, t] of inputs) feeds[name] = hostTensor('float64', t.shape as number[], init[name]);
  const r = await checkGradients(loss, [...inputs.values()], feeds, { maxElementsPerTensor: 16 });
  const worst = Object.entries(r.relError).sort((a, b) => b[1] - a[1])[0];
  log(`LoRA gradients vs float64 finite differences (${r.checkedElements} elements, CPU, step 1e-4): ` +
    `max relative error ${r.maxRelError.toExponential(2)} (worst: ${worst[0]}) — ${r.maxRelError < GRAD_TOLERANCE ? 'ok' : 'TOO LARGE'}`);
  return r.maxRelError;
}

async function trainingSetup(opts: SelftestOptions) {
  const g = new Graph('selftest_train');
  const lora = packParameters(g, 'lora', tinyLoraSpecs(CFG));
  const { loss } = buildTinyTransformer(g, CFG, (name) => lora.tensors.get(name)!);
  const io = addAdamWStep(loss, lora, { weightDecay: 0.01, clipNorm: 1 });
  const model = serializeGraph(g);
  const session = await createSession(model, { providers: opts.providers ?? ['cuda', 'cpu'], threads: opts.threads });
  const init = packValues(lora.layout, tinyLoraInit(CFG, 'standard'));
  const batch = tinyBatch(CFG);
  const dims = [CFG.batch, CFG.tokens, CFG.dim];
  const feeds = { x: hostTensor('float32', dims, batch.x), target: hostTensor('float32', dims, batch.target) };
  let cpuLoss: number | null = null;
  if (session.provider !== 'cpu') cpuLoss = await firstLossOnCpu(model, io, init, feeds);
  return { session: session as EngineSession, io, state: TrainState.init(lora.layout, init), feeds, cpuLoss };
}

async function firstLossOnCpu(model: Uint8Array, io: ReturnType<typeof addAdamWStep>, init: Float32Array, feeds: Record<string, ort.Tensor>) {
  const cpu = await createSession(model, { providers: ['cpu'] });
  const r = await runTrainStep(cpu, io, TrainState.init(io.layout, init.slice()), feeds, { lr: 3e-3 });
  await cpu.release();
  return r.loss;
}
