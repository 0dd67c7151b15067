// npm run bench:memory — peak memory of LoRA training on a klein-4B-shaped transformer, per base precision.
//
// Writes a checkpoint of random bf16 weights with klein 4B's widths (real bytes on disk, not a sparse file), then
// for each base precision runs, each in its own process so its peak resident memory is its own:
//   1. (fp8, int8) quantizing the checkpoint into a cache folder, as a run does when it starts;
//   2. two LoRA steps at 256×256 (256 image tokens) with a 64-token caption on the CPU, gradient checkpointing on;
//   3. (bf16) the base-prediction session of output preservation beside the step's, to see whether the two share
//      the weights' pages.
// Then a tiny config trained two steps on a float32 base and on its bf16 / fp8 / int8 copies: loss agreement.
//
// Options: --double N --single N (blocks; default 1 and 2, klein 4B has 5 and 20 — the full model takes about
// 2–4 minutes per step on two cores), --threads N (default 2), --dir PATH (default a folder in the temp dir,
// removed at the end), --keep (leave it).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSession, f32ToBf16, fromFloat32, safetensorsHead, writeSafetensorsFile } from '@lora-studio/onnx';
import {
  flux2ImageIds, loraTargetLayers, flux2ParameterCount, flux2Preset, flux2TextIds, flux2WeightSpecs, openFlux2Checkpoint,
  quantizedBase, randomFlux2Weights, type Flux2Config, type FrozenFlux2Weights,
} from '@lora-studio/models';
import { BasePrediction } from '../src/base-prediction';
import { estimateTrainingMemory } from '../src/memory-estimate';
import { TrainingRandom } from '../src/rng';
import { buildTrainStep } from '../src/train-step-graph';
import { benchLoraConfig, benchModel, runLoraSteps, type BenchModel } from './lora-steps';

const GiB = 1024 ** 3;
const PRECISIONS = ['bf16', 'fp8', 'int8'] as const;
type Precision = (typeof PRECISIONS)[number];
const IMAGE_TOKENS = 256; // 256×256 px: a 16×16 grid of 2×2-patched VAE latents
const TEXT_TOKENS = 64;

interface ChildResult {
  peakRssBytes: number;
  seconds: number;
  losses?: number[];
  /** Resident memory split before / after the base-prediction session (bf16 only). */
  shared?: { before: MemorySplit; after: MemorySplit };
}
interface MemorySplit { rss: number; anon: number; file: number; pss?: number }

function memorySplit(): MemorySplit {
  const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  if (!existsSync('/proc/self/status')) return { rss: process.memoryUsage().rss, anon: NaN, file: NaN };
  const status = readFileSync('/proc/self/status', 'utf8');
  const rollup = existsSync('/proc/self/smaps_rollup') ? readFileSync('/proc/self/smaps_rollup', 'utf8') : '';
  return { rss: kb(status, 'VmRSS'), anon: kb(status, 'RssAnon'), file: kb(status, 'RssFile'), pss: rollup ? kb(rollup, 'Pss') : undefined };
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** Two LoRA steps on fixed random inputs; their losses. */
async function twoSteps(model: BenchModel, threads: number, tokens = { image: IMAGE_TOKENS, text: TEXT_TOKENS }, preserve = false): Promise<number[]> {
  return (await runLoraSteps(model, { imageTokens: tokens.image, textTokens: tokens.text, threads, preserve })).losses;
}

function frozenWeights(checkpointPath: string, precision: Precision, cacheDir: string): { weights: FrozenFlux2Weights; close: () => void; config: Flux2Config } {
  const checkpoint = openFlux2Checkpoint(checkpointPath);
  if (precision === 'bf16') return { weights: { kind: 'checkpoint', checkpoint }, close: () => checkpoint.close(), config: checkpoint.config };
  const base = quantizedBase(checkpoint, precision, cacheDir);
  return { weights: { kind: 'quantized', base }, close: () => { base.close(); checkpoint.close(); }, config: checkpoint.config };
}

/** One measurement in this process: 'quantize' or 'train'. Prints one JSON line. */
async function child(args: { job: 'quantize' | 'train' | 'preserve' | 'separate'; checkpoint: string; precision: Precision; cache: string; threads: number }): Promise<void> {
  const t0 = performance.now();
  const frozen = frozenWeights(args.checkpoint, args.precision, args.cache);
  const result: ChildResult = { peakRssBytes: 0, seconds: 0 };
  try {
    if (args.job === 'preserve') {
      result.losses = await twoSteps(benchModel(frozen.config, frozen.weights), args.threads, undefined, true);
    }
    if (args.job === 'train') {
      const model = benchModel(frozen.config, frozen.weights);
      result.losses = await twoSteps(model, args.threads);
    }
    if (args.job === 'separate') {
      const model = benchModel(frozen.config, frozen.weights);
      // What output preservation cost before the step graph predicted the base itself: a second session over the
      // same external data, beside the step's.
      const step = buildTrainStep(model, benchLoraConfig(), { batch: 1, imageTokens: IMAGE_TOKENS, textTokens: TEXT_TOKENS });
      const stepSession = await createSession(step.step.bytes, { providers: ['cpu'], threads: args.threads, ...step.session });
      const before = memorySplit();
      const prediction = await BasePrediction.create(model, args.threads);
      const c = model.transformer;
      const side = Math.round(Math.sqrt(IMAGE_TOKENS));
      await prediction.velocity({
        rows: 1, imageTokens: IMAGE_TOKENS, textTokens: TEXT_TOKENS, xt: new Float32Array(IMAGE_TOKENS * c.inChannels), t: [0.5],
        imgIds: flux2ImageIds(side, side), txt: new Float32Array(TEXT_TOKENS * c.contextDim), txtIds: flux2TextIds(TEXT_TOKENS),
      });
      result.shared = { before, after: memorySplit() };
      await prediction.release();
      await stepSession.release();
    }
  } finally {
    frozen.close();
  }
  result.seconds = (performance.now() - t0) / 1000;
  result.peakRssBytes = peakRss();
  console.log(JSON.stringify(result));
}

function runChild(job: 'quantize' | 'train' | 'preserve' | 'separate', checkpoint: string, precision: Precision, cache: string, threads: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, script, '--child', JSON.stringify({ job, checkpoint, precision, cache, threads })], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`The ${job} step for ${precision} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' ')}`);
  return JSON.parse(last) as ChildResult;
}

/** A klein-4B-wide config with fewer blocks, written as real random bf16 bytes, one tensor at a time. */
function writeRandomBf16Checkpoint(path: string, config: Flux2Config): number {
  const specs = flux2WeightSpecs(config);
  const tensors = Object.fromEntries(specs.map((s) => [s.name, { dtype: 'BF16' as const, shape: [...s.shape] }]));
  const { head, dataBytes } = safetensorsHead(tensors);
  const rng = TrainingRandom.fromSeed(11);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    const chunk = new Float32Array(1 << 22);
    // The header lists tensors in name order; the data follows in the same order.
    for (const spec of [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      let left = spec.shape.reduce((a, b) => a * b, 1);
      // Weights like a trained model's: about N(0, 1/fan_in), norms' scales near 1.
      const fanIn = spec.shape.length > 1 ? spec.shape[spec.shape.length - 1]! : 0;
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        const part = chunk.subarray(0, n);
        if (fanIn) {
          rng.fillNormal(part);
          const s = 1 / Math.sqrt(fanIn);
          for (let i = 0; i < n; i++) part[i]! *= s;
        } else part.fill(1);
        writeSync(fd, f32ToBf16(part));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  return head.length + dataBytes;
}

/** Loss agreement on a tiny config: float32 base vs the same weights held as bf16, fp8 and int8. */
async function lossAgreement(dir: string, threads: number): Promise<{ reference: number[]; rows: { precision: Precision; losses: number[]; maxRelative: number }[] }> {
  const config = flux2Preset('flux2-tiny-default');
  const weights = randomFlux2Weights(config, 3);
  const write = (name: string, dtype: 'F32' | 'BF16') => {
    const path = join(dir, name);
    mkdirSync(dir, { recursive: true });
    writeSafetensorsFile(path, Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, { dtype, shape: t.shape, data: fromFloat32(dtype, t.data) }])));
    return path;
  };
  const f32 = openFlux2Checkpoint(write('tiny-f32.safetensors', 'F32'), { config });
  const tokens = { image: 64, text: 16 };
  const reference = await twoSteps(benchModel(config, { kind: 'checkpoint', checkpoint: f32 }), threads, tokens);
  f32.close();
  const bf16Path = write('tiny-bf16.safetensors', 'BF16');
  const rows = [];
  for (const precision of PRECISIONS) {
    const frozen = frozenWeights(bf16Path, precision, join(dir, 'tiny-cache'));
    try {
      const losses = await twoSteps(benchModel(config, frozen.weights), threads, tokens);
      rows.push({ precision, losses, maxRelative: Math.max(...losses.map((l, i) => Math.abs(l - reference[i]!) / Math.abs(reference[i]!))) });
    } finally {
      frozen.close();
    }
  }
  return { reference, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' }, double: { type: 'string', default: '1' }, single: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false },
    },
  });
  if (values.child) return child(JSON.parse(values.child));
  const threads = Number(values.threads);
  const config: Flux2Config = { ...flux2Preset('flux2-klein-4b'), numDoubleBlocks: Number(values.double), numSingleBlocks: Number(values.single) };
  const params = flux2ParameterCount(config);
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'lora-studio-bench-memory-'));
  mkdirSync(dir, { recursive: true });
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  // The bf16 file plus an fp8 and an int8 copy (one byte per weight each).
  const needed = params * 4 + GiB;
  if (free < needed) {
    console.error(`bench:memory needs about ${(needed / GiB).toFixed(1)} GB free in ${dir} and ${(free / GiB).toFixed(1)} GB are; pass fewer blocks (--double, --single) or another --dir.`);
    process.exitCode = 1;
    return;
  }
  console.log(`klein-4B widths (D ${config.hiddenSize}, context ${config.contextDim}) with ${config.numDoubleBlocks} double + ${config.numSingleBlocks} single blocks (klein 4B: 5 + 20): ${(params / 1e9).toFixed(2)}B parameters`);
  console.log(`LoRA rank 16 on every linear layer, 2 steps at 256×256 (${IMAGE_TOKENS} image tokens) with a ${TEXT_TOKENS}-token caption, CPU, ${threads} threads, gradient checkpointing on`);
  try {
    const path = join(dir, 'transformer.safetensors');
    let t0 = performance.now();
    const bytes = writeRandomBf16Checkpoint(path, config);
    const onDisk = statSync(path).blocks * 512;
    console.log(`checkpoint: ${(bytes / GiB).toFixed(2)} GiB of random bf16 weights (${(onDisk / GiB).toFixed(2)} GiB allocated on disk), written in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    console.log('');
    console.log('precision  quantize (peak RSS, s)   train 2 steps (peak RSS, s)   peak / checkpoint   estimate   losses');
    const results = new Map<Precision, ChildResult>();
    for (const precision of PRECISIONS) {
      const cache = join(dir, 'cache');
      let quantize = '—';
      if (precision !== 'bf16') {
        t0 = performance.now();
        const q = runChild('quantize', path, precision, cache, threads);
        quantize = `${(q.peakRssBytes / GiB).toFixed(2)} GiB, ${q.seconds.toFixed(0)} s`;
      }
      const r = runChild('train', path, precision, cache, threads);
      results.set(precision, r);
      const estimate = estimateTrainingMemory({
        transformer: config, baseParams: params, storedBytesPerWeight: 2, basePrecision: precision, batch: 1, imageTokens: IMAGE_TOKENS, textTokens: TEXT_TOKENS,
        loraParams: loraTargetLayers(config, 'all-linear').reduce((n, l) => n + 16 * (l.inDim + l.outDim), 0),
        gradientCheckpointing: true,
      });
      console.log(`${precision.padEnd(9)}  ${quantize.padEnd(23)}  ${`${(r.peakRssBytes / GiB).toFixed(2)} GiB, ${r.seconds.toFixed(0)} s`.padEnd(28)}  ${(r.peakRssBytes / bytes).toFixed(2).padEnd(18)}  ${(estimate.totalBytes / GiB).toFixed(2)} GiB  ${r.losses!.map((l) => l.toFixed(5)).join(', ')}`);
    }
    const shared = runChild('separate', path, 'bf16', join(dir, 'cache'), threads).shared;
    if (shared) {
      const d = (k: keyof MemorySplit) => (((shared.after[k] ?? NaN) - (shared.before[k] ?? NaN)) / GiB).toFixed(2);
      console.log('');
      console.log(`a separate base-prediction session beside the step's (bf16): resident +${d('rss')} GiB (anonymous +${d('anon')}, file pages +${d('file')}, proportional set +${d('pss')}) for a ${(bytes / GiB).toFixed(2)} GiB checkpoint`);
      const p = runChild('preserve', path, 'bf16', join(dir, 'cache'), threads);
      console.log(`output preservation predicted inside the step graph (bf16, one session): peak ${(p.peakRssBytes / GiB).toFixed(2)} GiB vs ${(results.get('bf16')!.peakRssBytes / GiB).toFixed(2)} GiB without preservation, ${p.seconds.toFixed(0)} s`);
    }
    const bf16 = results.get('bf16')!.peakRssBytes;
    const eight = Math.max(results.get('fp8')!.peakRssBytes, results.get('int8')!.peakRssBytes);
    console.log('');
    console.log(`goal bf16: peak ≤ 1.3 × checkpoint + 2 GB = ${((1.3 * bytes + 2e9) / GiB).toFixed(2)} GiB → ${(bf16 / GiB).toFixed(2)} GiB ${bf16 <= 1.3 * bytes + 2e9 ? 'met' : 'NOT met'}`);
    console.log(`goal fp8/int8: peak ≤ 0.75 × checkpoint + 2 GB = ${((0.75 * bytes + 2e9) / GiB).toFixed(2)} GiB → ${(eight / GiB).toFixed(2)} GiB ${eight <= 0.75 * bytes + 2e9 ? 'met' : 'NOT met'}`);
    console.log('');
    const agreement = await lossAgreement(join(dir, 'tiny'), threads);
    console.log(`loss agreement, flux2-tiny-default (${(flux2ParameterCount(flux2Preset('flux2-tiny-default')) / 1e6).toFixed(1)}M parameters), 2 steps, vs a float32 base: ${agreement.reference.map((l) => l.toFixed(6)).join(', ')}`);
    for (const r of agreement.rows) {
      const goal = r.precision === 'bf16' ? 1e-2 : 5e-2;
      console.log(`  ${r.precision.padEnd(5)} ${r.losses.map((l) => l.toFixed(6)).join(', ')}  max relative difference ${r.maxRelative.toExponential(2)} (goal ≤ ${goal}: ${r.maxRelative <= goal ? 'met' : 'NOT met'})`);
    }
  } finally {
    if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
