// FLUX.2 figures for the issue note: parameter counts, klein-4B graph build (external weights), and
// forward / forward+backward timings of small configs on CPU.
// Run: npx tsx packages/models/bench/flux2.bench.ts [--threads 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, createSession, gradients, hostTensor, mul, reduceSum, SeededRandom, serializeGraph } from '@lora-studio/onnx';
import {
  FLUX2_PRESETS, addFlux2Inputs, addFlux2Weights, addLoraInputs, buildFlux2, flux2ImageIds, flux2ParameterCount, flux2Preset,
  flux2TextIds, loraTargetLayers, openFlux2Checkpoint, randomFlux2Weights, writeSparseFlux2Checkpoint, type Flux2Config,
} from '../src/index';

const threadsFlag = process.argv.indexOf('--threads');
const threads = threadsFlag >= 0 ? Number(process.argv[threadsFlag + 1]) : 2;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const repeat = (v: Float32Array, times: number) => {
  const out = new Float32Array(v.length * times);
  for (let i = 0; i < times; i++) out.set(v, i * v.length);
  return out;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log('Parameter counts');
for (const name of Object.keys(FLUX2_PRESETS)) {
  const n = flux2ParameterCount(flux2Preset(name));
  console.log(`  ${name.padEnd(20)} ${n.toLocaleString('en-US').padStart(16)}  (${n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : `${(n / 1e6).toFixed(2)}M`})`);
}

const dir = mkdtempSync(join(tmpdir(), 'flux2-bench-'));
try {
  const config = flux2Preset('flux2-klein-4b');
  const path = join(dir, 'klein-4b.safetensors');
  writeSparseFlux2Checkpoint(path, config, 'BF16');
  const heap0 = process.memoryUsage();
  const t0 = performance.now();
  const checkpoint = openFlux2Checkpoint(path);
  const t1 = performance.now();
  const g = new Graph('klein');
  const inputs = addFlux2Inputs(g, config, 'float32');
  const weights = addFlux2Weights(g, config, 'float32', { kind: 'checkpoint', checkpoint });
  const lora = addLoraInputs(g, loraTargetLayers(config, 'all-linear').map((l) => ({ ...l, rank: 'rank' })), 'float32', 'input');
  g.output(buildFlux2(g, inputs, { config, weights, lora: lora.layers }), 'out');
  const t2 = performance.now();
  const model = serializeGraph(g, { externalDataFolder: dir });
  const t3 = performance.now();
  const heap1 = process.memoryUsage();
  checkpoint.close();
  console.log('\nklein-4B inference graph (BF16 weights as external data, all-linear LoRA inputs of symbolic rank)');
  console.log(`  open checkpoint ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms (${g.nodes.length} nodes), serialise ${(t3 - t2).toFixed(0)} ms, model ${mb(model.byteLength)}`);
  console.log(`  JS heap + array buffers grew by ${mb(heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers)} (weights: ${mb(flux2ParameterCount(config) * 2)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function timeConfig(label: string, c: Flux2Config, B: number, grid: number, L: number, rank: number) {
  const N = grid * grid;
  const g = new Graph('bench');
  const x = addFlux2Inputs(g, c, 'float32', { batch: B, imageTokens: N, textTokens: L });
  const weights = addFlux2Weights(g, c, 'float32', { kind: 'dense', weights: randomFlux2Weights(c, 1) });
  const layers = loraTargetLayers(c, 'all-linear').map((l) => ({ ...l, rank }));
  const lora = addLoraInputs(g, layers, 'float32', new Map(layers.map((l) => [l.path, 1])));
  const out = buildFlux2(g, x, { config: c, weights, lora: lora.layers });
  const loss = mul(reduceSum(mul(out, out), undefined, { keepdims: false }), 0.5);
  const grads = gradients(loss, lora.tensors);
  const rng = new SeededRandom(2);
  const feeds: Record<string, ReturnType<typeof hostTensor>> = {
    img: hostTensor('float32', [B, N, c.inChannels], rng.fillNormal(new Float32Array(B * N * c.inChannels))),
    img_ids: hostTensor('float32', [B, N, 4], repeat(flux2ImageIds(grid, grid), B)),
    txt: hostTensor('float32', [B, L, c.contextDim], rng.fillNormal(new Float32Array(B * L * c.contextDim))),
    txt_ids: hostTensor('float32', [B, L, 4], repeat(flux2TextIds(L), B)),
    timesteps: hostTensor('float32', [B], new Float32Array(B).fill(0.5)),
  };
  for (const t of lora.tensors) feeds[t.name] = hostTensor('float32', t.shape as number[], rng.fillNormal(new Float32Array((t.shape as number[]).reduce((a, b) => a * b, 1)), 0.01));
  const forward = await createSession(serializeGraph(g, { outputs: [out] }), { providers: ['cpu'], threads });
  const backward = await createSession(serializeGraph(g, { outputs: [loss, ...grads] }), { providers: ['cpu'], threads });
  for (const s of [forward, backward]) {
    for (let i = 0; i < 3; i++) await s.run(feeds);
    s.timings.length = 0;
    for (let i = 0; i < 20; i++) await s.run(feeds);
  }
  console.log(`  ${label.padEnd(20)} B=${B} N=${N} L=${L} LoRA r${rank} all-linear (${layers.length} layers): forward ${median(forward.timings).toFixed(2)} ms, forward+backward ${median(backward.timings).toFixed(2)} ms (median of 20)`);
  await forward.release();
  await backward.release();
}

console.log(`\nCPU timings (onnxruntime-node, ${threads} threads, float32)`);
await timeConfig('flux2-toy', flux2Preset('flux2-toy'), 1, 8, 16, 8);
// The embedded default model's training shape: 32×32 px in 4×4 patches, 40 text tokens.
await timeConfig('flux2-tiny-default', flux2Preset('flux2-tiny-default'), 4, 8, 40, 8);
