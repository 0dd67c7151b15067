// npm run bench:engine — train-step speed of the engine on a LoRA'd pre-LN transformer, two sizes.
// Each configuration runs in its own child process so peak RSS is per configuration.
// Options: --threads N (default: all cores), --steps N (timed steps, default 30), --only small|large|large-ckpt

import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  addAdamWStep, buildTinyTransformer, createSession, Graph, hostTensor, liveNodes, packParameters, packValues, runTrainStep,
  serializeGraph, tinyBatch, tinyLoraInit, tinyLoraSpecs, TrainState, type TinyTransformerConfig,
} from '../src/index';

const SIZES: Record<string, TinyTransformerConfig> = {
  small: { batch: 4, tokens: 64, dim: 128, heads: 4, layers: 2, rank: 8 },
  large: { batch: 4, tokens: 256, dim: 256, heads: 4, layers: 4, rank: 8 },
  'large-ckpt': { batch: 4, tokens: 256, dim: 256, heads: 4, layers: 4, rank: 8, checkpointBlocks: true },
};

const args = process.argv.slice(2);
const arg = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const threads = Number(arg('--threads') ?? availableParallelism());
const steps = Math.max(30, Number(arg('--steps') ?? 30));

interface Figures {
  size: string; nodes: number; buildMs: number; sessionMs: number; medianMs: number; minMs: number; stepsPerS: number; peakRssMiB: number;
}

async function measure(name: string): Promise<Figures> {
  const cfg = SIZES[name];
  const t0 = performance.now();
  const g = new Graph(`bench_${name}`);
  const lora = packParameters(g, 'lora', tinyLoraSpecs(cfg));
  const { loss } = buildTinyTransformer(g, cfg, (k) => lora.tensors.get(k)!);
  const io = addAdamWStep(loss, lora, { weightDecay: 0.01, clipNorm: 1 });
  const model = serializeGraph(g);
  const buildMs = performance.now() - t0;
  const session = await createSession(model, { providers: ['cpu'], threads, keepRecomputation: !!cfg.checkpointBlocks });
  const state = TrainState.init(lora.layout, packValues(lora.layout, tinyLoraInit(cfg, 'standard')));
  const batch = tinyBatch(cfg);
  const dims = [cfg.batch, cfg.tokens, cfg.dim];
  const feeds = { x: hostTensor('float32', dims, batch.x), target: hostTensor('float32', dims, batch.target) };
  for (let i = 0; i < 5; i++) await runTrainStep(session, io, state, feeds, { lr: 1e-3 });
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    await runTrainStep(session, io, state, feeds, { lr: 1e-3 });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  return {
    size: name, nodes: liveNodes(g.outputs).length, buildMs, sessionMs: session.createMs, medianMs, minMs: times[0],
    stepsPerS: 1000 / medianMs, peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

function describe(cfg: TinyTransformerConfig): string {
  return `B${cfg.batch} N${cfg.tokens} D${cfg.dim} L${cfg.layers} r${cfg.rank}${cfg.checkpointBlocks ? ' +ckpt' : ''}`;
}

/** Debian's python3-torch lives under /usr/bin/python3; another interpreter can be named with TORCH_PYTHON. */
const PYTHON = process.env.TORCH_PYTHON ?? 'python3';

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

async function main() {
  const only = arg('--only');
  if (only) {
    process.stdout.write(JSON.stringify(await measure(only)));
    return;
  }
  console.log(`Engine benchmark: onnxruntime-node CPU, ${threads} intra-op threads, ${steps} timed steps after 5 warm-up steps`);
  console.log('size                       nodes  build ms  session ms  median ms  min ms  steps/s  peak RSS MiB');
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, Figures> = {};
  for (const name of Object.keys(SIZES)) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--only', name, '--threads', String(threads), '--steps', String(steps)], { encoding: 'utf8' });
    const f: Figures = JSON.parse(out.trim().split('\n').pop()!);
    results[name] = f;
    console.log(`${describe(SIZES[name]).padEnd(26)} ${String(f.nodes).padStart(5)} ${f.buildMs.toFixed(0).padStart(9)} ${f.sessionMs.toFixed(0).padStart(11)} ` +
      `${f.medianMs.toFixed(2).padStart(10)} ${f.minMs.toFixed(2).padStart(7)} ${f.stepsPerS.toFixed(1).padStart(8)} ${f.peakRssMiB.toFixed(0).padStart(13)}`);
  }
  const plain = results.large;
  const ckpt = results['large-ckpt'];
  console.log(`Gradient checkpointing (large): peak RSS ${plain.peakRssMiB.toFixed(0)} → ${ckpt.peakRssMiB.toFixed(0)} MiB, ` +
    `step ${plain.medianMs.toFixed(1)} → ${ckpt.medianMs.toFixed(1)} ms`);
  if (!torchAvailable()) {
    console.log('PyTorch comparison skipped: `python3 -c "import torch"` fails on this machine (install python3-torch to compare).');
  } else {
    const script = fileURLToPath(new URL('./torch_baseline.py', import.meta.url));
    for (const name of ['small', 'large']) {
      const c = SIZES[name];
      const out = execFileSync(PYTHON, [script, ...[c.batch, c.tokens, c.dim, c.heads, c.layers, c.rank, threads, steps].map(String)], { encoding: 'utf8' });
      const torchMs = Number(JSON.parse(out.trim().split('\n').pop()!).median_ms);
      console.log(`PyTorch eager ${describe(c)}: median ${torchMs.toFixed(2)} ms → engine is ${(torchMs / results[name].medianMs).toFixed(2)}× PyTorch's steps/s`);
    }
  }
}

await main();
