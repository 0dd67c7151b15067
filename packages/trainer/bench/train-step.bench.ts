// npm run bench:train-step — the trainer's own LoRA step (its step graph, session settings and runTrainStep) against
// PyTorch eager running the same FLUX.2 model (bench/flux2_torch_step.py, the project's own port of docs/flux2.md)
// with the same weights, LoRA init, batch, loss, clipping and AdamW, on the same threads.
//
//   (a) default  the embedded default model (its own F16 file), batch 4, 64 image + 40 text tokens
//   (b) klein    klein-block-shaped: head dim 128, hidden 1024, 2 + 4 blocks, batch 1, 256 image + 64 text tokens
//                (random float32 weights written to a temporary file)
// LoRA rank 16 (alpha 16) on every block linear, AdamW (weight decay 1e-4), clip norm 1, no gradient checkpointing
// and no preservation on either side. Each side runs in its own child process (peak RSS is that process's own);
// the two sides alternate per repeat. The first three losses of both sides are printed: they agree when the two
// run the same model. Each side also prints its CPU time per step (all threads): on a machine shared with other work
// it moves far less than wall time, and with --threads 1 it is the work each side does per step.
//
// --profile runs the engine side alone with onnxruntime's profiler and prints where its step's time goes.
// --spinning on|off|auto overrides the trainer's choice (small models: auto, which runs the step with spinning and
// with blocking intra-op threads and keeps the faster; larger ones: off). Spinning saves each parallel node's
// wake-up on a quiet machine and is far slower on a shared one. Under auto the first 10 steps block and the next 10
// spin (give --warmup 20 to time the choice it settles on); the line per run says how many steps each kind ran.
// Options: --threads N (default 2), --steps N (timed, default 30), --warmup N (default 5), --repeat N (default 1),
// --only default|klein, --python PATH (default $TORCH_PYTHON or /usr/bin/python3; the PyTorch side is skipped when
// it cannot import torch), --bfl-model PATH (src/flux2/model.py of a copy of Black Forest Labs' flux2 repository: its
// Flux2 runs on the PyTorch side instead of the project's port, where it can build the case's config; the first
// losses then show whether both compute the same model).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSession, hostTensor, packLayout, parseSafetensors, runTrainStep, toFloat32, TrainState, writeSafetensorsFile } from '@lora-studio/onnx';
import {
  createLoraAdapter, flux2ImageIds, flux2Preset, flux2TextIds, loraTargetLayers, openFlux2Checkpoint, randomFlux2Weights, type Flux2Config,
} from '@lora-studio/models';
import type { TrainingConfig } from '../src/config';
import { TrainingRandom } from '../src/rng';
import { buildTrainStep, trainableSpecs } from '../src/train-step-graph';
import { benchLoraConfig, benchModel } from './lora-steps';
import { formatProfile, summariseProfile } from './ort-profile';

const DEFAULT_MODEL = fileURLToPath(new URL('../../../resources/base-models/flux2-tiny-default/transformer.safetensors', import.meta.url));

interface Case {
  label: string;
  config: Flux2Config;
  batch: number;
  imageTokens: number;
  textTokens: number;
}

const CASES: Record<string, Case> = {
  default: { label: '(a) default model B4 N64 T40', config: flux2Preset('flux2-tiny-default'), batch: 4, imageTokens: 64, textTokens: 40 },
  klein: {
    label: '(b) klein-block D1024 2+4 B1 N256 T64',
    config: { ...flux2Preset('flux2-klein-4b'), hiddenSize: 1024, numHeads: 8, numDoubleBlocks: 2, numSingleBlocks: 4 },
    batch: 1, imageTokens: 256, textTokens: 64,
  },
};

/** What both sides read: the transformer file, the inputs file (batch and LoRA init) and the settings. */
interface RunSpec {
  transformer: string;
  inputs: string;
  config: Flux2Config;
  batch: number;
  imageTokens: number;
  textTokens: number;
  targets: string[];
  rank: number;
  alpha: number;
  lr: number;
  weightDecay: number;
  clipNorm: number;
  threads: number;
  steps: number;
  warmup: number;
  /** Profile the engine's steps with onnxruntime's profiler into this folder (the PyTorch side is not run). */
  profileDir?: string;
  /** Engine side: override of the trainer's spinning choice. */
  spinning?: boolean | 'auto';
  /** PyTorch side: Black Forest Labs' own model.py to run instead of the project's port. */
  bflModel?: string;
}

interface SideResult {
  ms: number[];
  /** CPU time (user + system, all threads) of each timed step, ms: less sensitive than wall time to other work on the machine. */
  cpuMs: number[];
  losses: number[];
  peakRssMiB: number;
  threads: number;
  blas?: { libraries: string[]; kernel: string | null };
  torch?: string;
  /** PyTorch side: which model code ran (the port, or BFL's model.py and why not where it could not). */
  baseline?: string;
  profile?: string;
  /** Engine side under spinning 'auto': steps run with each kind of threads, and what creating the session took. */
  spinningRuns?: { spinning: number; blocking: number };
  createMs?: number;
}

function trainingConfig(spec: RunSpec): TrainingConfig {
  return {
    ...benchLoraConfig(), rank: spec.rank, alpha: spec.alpha, batchSize: spec.batch, gradientCheckpointing: false,
    lr: spec.lr, weightDecay: spec.weightDecay, clipNorm: spec.clipNorm,
  };
}

/** Writes the case's inputs (and, for a random model, its weights) into `dir`; returns what both sides read. */
function prepare(c: Case, dir: string, o: { threads: number; steps: number; warmup: number; spinning?: boolean | 'auto'; bflModel?: string }): RunSpec {
  let transformer = DEFAULT_MODEL;
  if (c.config !== CASES.default!.config) {
    transformer = join(dir, 'transformer.safetensors');
    const w = randomFlux2Weights(c.config, 5);
    writeSafetensorsFile(transformer, Object.fromEntries(Object.entries(w).map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) }])));
  }
  const base = benchLoraConfig();
  const spec: RunSpec = {
    transformer, inputs: join(dir, 'inputs.safetensors'), config: c.config, batch: c.batch, imageTokens: c.imageTokens, textTokens: c.textTokens,
    targets: loraTargetLayers(c.config, 'all-linear').map((l) => l.path), rank: 16, alpha: 16, lr: 1e-3, weightDecay: base.weightDecay,
    clipNorm: 1, ...o,
  };
  const { config: m, batch: B, imageTokens: N, textTokens: T } = spec;
  const rng = TrainingRandom.fromSeed(7);
  const normal = (n: number) => rng.fillNormal(new Float32Array(n)) as Float32Array;
  const side = Math.round(Math.sqrt(N));
  const repeat = (rows: Float32Array) => {
    const out = new Float32Array(rows.length * B);
    for (let b = 0; b < B; b++) out.set(rows, b * rows.length);
    return out;
  };
  const t = Float32Array.from({ length: B }, (_, i) => (i + 0.5) / B);
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {
    xt: { shape: [B, N, m.inChannels], data: normal(B * N * m.inChannels) },
    target: { shape: [B, N, m.outChannels], data: normal(B * N * m.outChannels) },
    t: { shape: [B], data: t },
    img_ids: { shape: [B, N, 4], data: repeat(flux2ImageIds(side, side)) },
    txt: { shape: [B, T, m.contextDim], data: normal(B * T * m.contextDim) },
    txt_ids: { shape: [B, T, 4], data: repeat(flux2TextIds(T)) },
  };
  // LoRA B is random too (not the usual zeros), so the very first loss already depends on every LoRA tensor.
  for (const l of createLoraAdapter(m, { targets: 'all-linear', rank: spec.rank, alpha: spec.alpha, seed: 1 }).layers) {
    tensors[`${l.path}.lora_A`] = { shape: [l.rank, l.inDim], data: l.down };
    tensors[`${l.path}.lora_B`] = { shape: [l.outDim, l.rank], data: normal(l.up.length).map((x) => x * 0.01) };
  }
  writeSafetensorsFile(spec.inputs, Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength) }])));
  return spec;
}

/** The engine's side, in this (child) process: the trainer's step graph and session, fed the same batch each step. */
async function engineSide(spec: RunSpec): Promise<SideResult> {
  const checkpoint = openFlux2Checkpoint(spec.transformer, { config: spec.config });
  const model = benchModel(spec.config, { kind: 'checkpoint', checkpoint });
  const config = trainingConfig(spec);
  const graphs = buildTrainStep(model, config, { batch: spec.batch, imageTokens: spec.imageTokens, textTokens: spec.textTokens });
  const profile = spec.profileDir ? join(spec.profileDir, 'ort-profile') : undefined;
  const session = await createSession(graphs.step.bytes, { providers: ['cpu'], threads: spec.threads, ...graphs.session, profile, ...(spec.spinning === undefined ? {} : { spinning: spec.spinning }) });
  const file = parseSafetensors(new Uint8Array(readFileSync(spec.inputs)), spec.inputs);
  const read = (name: string) => toFloat32('F32', file.tensorBytes(name));
  const shape = (name: string) => file.tensors.find((t) => t.name === name)!.shape;
  const layout = packLayout(trainableSpecs(model, config));
  const params = new Float32Array(layout.total);
  for (const e of layout.entries) params.set(read(e.name), e.offset);
  const state = TrainState.init(layout, params);
  const feeds = Object.fromEntries(['xt', 'target', 't', 'img_ids', 'txt', 'txt_ids'].map((k) => [k, hostTensor('float32', shape(k), read(k))]));
  const ms: number[] = [];
  const cpuMs: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < spec.warmup + spec.steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await runTrainStep(session, graphs.step.io, state, feeds, { lr: spec.lr, beta1: 0.9, beta2: 0.999 });
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    losses.push(r.loss);
    if (i >= spec.warmup) {
      ms.push(elapsed);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  let summary: string | undefined;
  if (spec.profileDir) {
    session.endProfiling();
    const file = readdirSync(spec.profileDir).find((f) => f.startsWith('ort-profile') && f.endsWith('.json'));
    if (!file) throw new Error(`onnxruntime wrote no profile into ${spec.profileDir}.`);
    summary = formatProfile(summariseProfile(join(spec.profileDir, file), spec.steps));
  }
  const spinningRuns = session.spinningRuns;
  await session.release();
  checkpoint.close();
  return { ms, cpuMs, losses, peakRssMiB: process.resourceUsage().maxRSS / 1024, threads: spec.threads, profile: summary, spinningRuns, createMs: session.createMs };
}

function runChild(cmd: string, args: string[], what: string): SideResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-12).join('\n')}`);
  const j = JSON.parse(last);
  return 'peak_rss_mib' in j ? { ms: j.ms, cpuMs: j.cpu_ms, losses: j.losses, peakRssMiB: j.peak_rss_mib, threads: j.threads, blas: j.blas, torch: j.torch, baseline: j.baseline } : j;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' }, threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' }, repeat: { type: 'string', default: '1' }, only: { type: 'string' },
      profile: { type: 'boolean', default: false }, spinning: { type: 'string' }, 'bfl-model': { type: 'string' },
      python: { type: 'string', default: process.env.TORCH_PYTHON ?? '/usr/bin/python3' },
    },
  });
  if (values.child) {
    console.log(JSON.stringify(await engineSide(JSON.parse(readFileSync(values.child, 'utf8')))));
    return;
  }
  const spinningFlags: Record<string, boolean | 'auto'> = { on: true, off: false, auto: 'auto' };
  if (values.spinning !== undefined && !(values.spinning in spinningFlags)) throw new Error(`--spinning is on, off or auto (got "${values.spinning}").`);
  const bflModel = values['bfl-model'] === undefined ? undefined : resolve(values['bfl-model']);
  if (bflModel !== undefined && !existsSync(bflModel)) throw new Error(`--bfl-model: ${bflModel} does not exist (give the path of src/flux2/model.py in a copy of Black Forest Labs' flux2 repository).`);
  const o = {
    threads: Number(values.threads), steps: Number(values.steps), warmup: Number(values.warmup), spinning: values.spinning === undefined ? undefined : spinningFlags[values.spinning],
    ...(bflModel ? { bflModel } : {}),
  };
  const python = values.python!;
  const torchOk = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const script = fileURLToPath(new URL('./flux2_torch_step.py', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  console.log(`bench:train-step — ${o.threads} threads on both sides${values.spinning ? ` (engine spinning: ${values.spinning})` : ''}, median of ${o.steps} steps after ${o.warmup} warm-up steps, same batch every step`);
  if (!torchOk) console.log(`PyTorch side skipped: ${python} cannot import torch (Debian: apt-get install python3-torch libopenblas0-openmp).`);
  for (const name of values.only ? [values.only] : Object.keys(CASES)) {
    const c = CASES[name];
    if (!c) throw new Error(`Unknown case "${name}": use ${Object.keys(CASES).join(' or ')}.`);
    const dir = mkdtempSync(join(tmpdir(), 'lora-studio-bench-step-'));
    try {
      const spec = { ...prepare(c, dir, o), ...(values.profile ? { profileDir: dir } : {}) };
      const specPath = join(dir, 'run.json');
      writeFileSync(specPath, JSON.stringify(spec));
      console.log(`\n${c.label}, LoRA rank ${spec.rank} on ${spec.targets.length} block linears`);
      for (let r = 0; r < Number(values.repeat); r++) {
        const before = load();
        const engine = runChild(process.execPath, [...process.execArgv, self, '--child', specPath], 'The engine side');
        const torch = torchOk && !values.profile ? runChild(python, [script, specPath], 'The PyTorch side') : null;
        const e = median(engine.ms);
        const ec = median(engine.cpuMs);
        const kinds = engine.spinningRuns ? ` [steps spinning ${engine.spinningRuns.spinning}, blocking ${engine.spinningRuns.blocking}; a session takes ${engine.createMs!.toFixed(0)} ms to create]` : '';
        let line = `  run ${r + 1} (load ${before}): engine ${e.toFixed(1)} ms/step (CPU ${ec.toFixed(1)} ms)${kinds}, peak RSS ${engine.peakRssMiB.toFixed(0)} MiB`;
        if (torch) {
          const t = median(torch.ms);
          const tc = median(torch.cpuMs);
          line += ` | PyTorch ${t.toFixed(1)} ms/step (CPU ${tc.toFixed(1)} ms), peak RSS ${torch.peakRssMiB.toFixed(0)} MiB | engine ${(t / e).toFixed(2)}× PyTorch's speed (CPU time ${(tc / ec).toFixed(2)}×)`;
        }
        console.log(line);
        if (engine.profile) console.log(engine.profile);
        const fmt = (xs: number[]) => xs.slice(0, 3).map((x) => x.toPrecision(6)).join(', ');
        if (r === 0) {
          console.log(`    first losses: engine ${fmt(engine.losses)}${torch ? ` | PyTorch ${fmt(torch.losses)}` : ''}`);
          if (torch) console.log(`    PyTorch ${torch.torch}, ${torch.threads} threads, BLAS ${torch.blas?.libraries.join(', ')} (OpenBLAS kernel: ${torch.blas?.kernel ?? 'none'}); model code: ${torch.baseline ?? 'the project\'s port'}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
