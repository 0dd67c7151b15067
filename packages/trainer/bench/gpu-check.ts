// npm run gpu:check — one prepared check of training on an NVIDIA GPU, under eight minutes on an H200:
//   1. the execution providers that load here, and why the others do not;
//   2. the engine's selftest (gradients against finite differences, a falling loss) on CUDA;
//   3. LoRA steps on a klein-4B-shaped transformer at 512×512 and 1024×1024 for each base precision (bf16, fp8,
//      int8): seconds per step, images per second, peak GPU memory (nvidia-smi) and model FLOP utilisation;
//   4. pretraining steps of the embedded default model on CUDA (`lora-studio model pretrain --device cuda`, everyday
//      emoji) at batch 16 and 256: seconds per step and examples per second, against the CPU's ~16–20 examples/s;
//   5. the same LoRA step on the CPU for the small embedded config;
//   6. a one-line verdict.
// Without CUDA it says so plainly and runs only the CPU part. The klein-shaped checkpoint is written sparse (its
// weights are all zero: the arithmetic and memory are those of the real model, the losses are not meaningful) so
// the check spends its time on the GPU, not on writing 7.75 GB.
//
// Options: --double N --single N (default klein 4B's 5 and 20), --steps N (timed steps per case, default 3, after
// one warm-up), --budget SECONDS (default 420: cases that would start later are skipped and listed).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diagnoseProviders, runEngineSelftest } from '@lora-studio/onnx';
import {
  pretrainDefaultModel, flux2ParameterCount, flux2Preset, openFlux2Checkpoint, quantizedBase, randomFlux2Weights, writeSparseFlux2Checkpoint,
  type Flux2Config, type FrozenFlux2Weights,
} from '@lora-studio/models';
import { fileURLToPath } from 'node:url';
import { benchModel, runLoraSteps } from './lora-steps';

const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../../resources/base-models/flux2-tiny-default', import.meta.url));

const PRECISIONS = ['bf16', 'fp8', 'int8'] as const;
const RESOLUTIONS = [512, 1024];
const TEXT_TOKENS = 64;
/** H200 dense float32 peak (non-tensor-core), TFLOP/s: the graphs compute in float32 after casting the weights. */
const FP32_PEAK_TFLOPS = 67;

const { values } = parseArgs({
  options: {
    double: { type: 'string', default: '5' }, single: { type: 'string', default: '20' },
    steps: { type: 'string', default: '3' }, budget: { type: 'string', default: '420' },
  },
});
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const say = (line = '') => console.log(line);

/** Peak GPU memory used while `run` runs, from nvidia-smi sampled every 100 ms (undefined without nvidia-smi). */
async function withGpuMemory<T>(run: () => Promise<T>): Promise<{ result: T; peakMiB?: number }> {
  const probe = spawnSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  if (probe.status !== 0) return { result: await run() };
  const before = Number(probe.stdout.split('\n')[0]);
  let peak = before;
  const watcher = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '100'], { stdio: ['ignore', 'pipe', 'ignore'] });
  watcher.stdout.setEncoding('utf8');
  watcher.stdout.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) peak = Math.max(peak, Number(line));
  });
  try {
    return { result: await run(), peakMiB: peak - before };
  } finally {
    watcher.kill();
  }
}

/** FLOPs of one LoRA step with checkpointing: forward, recomputed forward, backward to the inputs (≈ 2 forwards). */
function stepFlops(c: Flux2Config, imageTokens: number): number {
  const S = imageTokens + TEXT_TOKENS;
  const blocks = c.numDoubleBlocks + c.numSingleBlocks;
  const forward = 2 * flux2ParameterCount(c) * S + blocks * 4 * S * S * c.hiddenSize;
  return 4 * forward;
}

function frozen(path: string, precision: (typeof PRECISIONS)[number], cacheDir: string): { weights: FrozenFlux2Weights; close: () => void } {
  const checkpoint = openFlux2Checkpoint(path);
  if (precision === 'bf16') return { weights: { kind: 'checkpoint', checkpoint }, close: () => checkpoint.close() };
  const base = quantizedBase(checkpoint, precision, cacheDir);
  return { weights: { kind: 'quantized', base }, close: () => { base.close(); checkpoint.close(); } };
}

async function main(): Promise<void> {
  const steps = Number(values.steps);
  const budget = Number(values.budget);
  say('== providers');
  const report = await diagnoseProviders();
  say(`onnxruntime ${report.onnxruntimeVersion} on ${report.platform}`);
  for (const p of report.providers) say(`  ${p.provider.padEnd(7)} ${p.works ? 'loads' : 'does not load'}: ${p.detail}${p.hint ? ` (${p.hint})` : ''}`);
  const cuda = report.providers.find((p) => p.provider === 'cuda')?.works === true;
  if (!cuda) {
    say('');
    say('CUDA is absent on this machine: the GPU checks (selftest on CUDA, klein-4B steps at 512 and 1024) are skipped and no CUDA figure is measured.');
    say('On a machine with an NVIDIA GPU: npm run gpu:install, then npm run gpu:check.');
  }

  const rows: string[] = [];
  const skipped: string[] = [];
  let selftestOk: boolean | undefined;
  if (cuda) {
    say('');
    say('== engine selftest on CUDA');
    selftestOk = (await runEngineSelftest((line) => say(`  ${line}`), { providers: ['cuda'] })).ok;

    const config: Flux2Config = { ...flux2Preset('flux2-klein-4b'), numDoubleBlocks: Number(values.double), numSingleBlocks: Number(values.single) };
    const dir = mkdtempSync(join(tmpdir(), 'lora-studio-gpu-check-'));
    try {
      const path = join(dir, 'transformer.safetensors');
      const bytes = writeSparseFlux2Checkpoint(path, config, 'BF16');
      say('');
      say(`== klein-4B-shaped LoRA steps on CUDA (${config.numDoubleBlocks} double + ${config.numSingleBlocks} single blocks, ${(bytes / 1024 ** 3).toFixed(2)} GiB bf16, zero weights), rank 16 all-linear, batch 1, ${TEXT_TOKENS} text tokens, checkpointing on`);
      say('precision  resolution  s/step   images/s  peak GPU memory  MFU (vs fp32 peak)  compile');
      for (const precision of PRECISIONS) {
        for (const resolution of RESOLUTIONS) {
          if (elapsed() > budget) {
            skipped.push(`${precision} ${resolution}`);
            continue;
          }
          const imageTokens = (resolution / 16) ** 2;
          const t0 = performance.now();
          const f = frozen(path, precision, join(dir, 'cache'));
          const quantizeS = (performance.now() - t0) / 1000;
          try {
            const { result, peakMiB } = await withGpuMemory(() => runLoraSteps(benchModel(config, f.weights), { imageTokens, textTokens: TEXT_TOKENS, steps: steps + 1, providers: ['cuda'] }));
            const timed = result.stepMs.slice(1);
            const s = timed.reduce((a, b) => a + b, 0) / timed.length / 1000;
            const mfu = stepFlops(config, imageTokens) / s / (FP32_PEAK_TFLOPS * 1e12);
            const line = `${precision.padEnd(9)}  ${`${resolution}²`.padEnd(10)}  ${s.toFixed(2).padEnd(7)}  ${(1 / s).toFixed(2).padEnd(8)}  ${(peakMiB === undefined ? 'n/a' : `${(peakMiB / 1024).toFixed(1)} GiB`).padEnd(15)}  ${`${(mfu * 100).toFixed(1)}%`.padEnd(18)}  ${(result.compileMs / 1000).toFixed(0)} s${quantizeS > 1 ? ` (+${quantizeS.toFixed(0)} s quantizing)` : ''}`;
            rows.push(line);
            say(line);
          } catch (error) {
            const line = `${precision.padEnd(9)}  ${`${resolution}²`.padEnd(10)}  failed: ${(error as Error).message.split('\n')[0]}`;
            rows.push(line);
            say(line);
          } finally {
            f.close();
          }
        }
      }
      if (skipped.length) say(`skipped to stay within ${budget} s: ${skipped.join(', ')}`);

      say('');
      say('== default-model pretraining on CUDA (everyday emoji, warm start from the shipped weights, 1 warm-up + timed steps)');
      for (const batch of [16, 256]) {
        if (elapsed() > budget) {
          skipped.push(`pretraining batch ${batch}`);
          continue;
        }
        const ms: number[] = [];
        try {
          await pretrainDefaultModel({
            out: join(dir, `pretrain-${batch}`), steps: steps + 1, batch, seed: 1, lr: 5e-4, warmupSteps: 1, checkpointEvery: 1000, threads: 2,
            resume: false, timeSampling: 'mixed', corpus: 'everyday', device: 'cuda', command: 'gpu-check', initFrom: DEFAULT_MODEL_DIR,
            onProgress: (p) => ms.push(p.ms),
          });
          const s = ms.slice(1).reduce((a, b) => a + b, 0) / (ms.length - 1) / 1000;
          const line = `pretraining batch ${String(batch).padEnd(4)} ${s.toFixed(3)} s/step, ${(batch / s).toFixed(0)} examples/s`;
          rows.push(line);
          say(line);
        } catch (error) {
          const line = `pretraining batch ${batch} failed: ${(error as Error).message.split('\n')[0]}`;
          rows.push(line);
          say(line);
        }
      }
      if (skipped.length) say(`skipped to stay within ${budget} s: ${skipped.join(', ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  say('');
  say('== CPU, the small embedded config (flux2-tiny-default, random weights, 64 px: 16 image tokens, 16 text tokens)');
  const tiny = flux2Preset('flux2-tiny-default');
  const weights = Object.fromEntries(Object.entries(randomFlux2Weights(tiny, 3)));
  const cpu = await runLoraSteps(benchModel(tiny, { kind: 'dense', weights }), { imageTokens: 16, textTokens: 16, steps: steps + 1, providers: ['cpu'] });
  const cpuS = cpu.stepMs.slice(1).reduce((a, b) => a + b, 0) / steps / 1000;
  say(`  ${cpuS.toFixed(3)} s/step, ${(1 / cpuS).toFixed(1)} images/s, losses ${cpu.losses.map((l) => l.toFixed(4)).join(', ')}`);

  say('');
  const failed = rows.filter((r) => r.includes('failed'));
  const cpuOk = cpu.losses.every(Number.isFinite);
  const verdict = !cuda
    ? `verdict: CPU only — CUDA is absent here, so the GPU figures are unverified; the CPU step ${cpuOk ? 'works' : 'FAILED'}.`
    : selftestOk && failed.length === 0 && skipped.length === 0 && cpuOk
      ? `verdict: CUDA ready — selftest passed and every klein-4B and pretraining case ran (${rows.length} cases) in ${elapsed().toFixed(0)} s.`
      : `verdict: CUDA NOT ready — ${[!selftestOk ? 'the selftest failed' : '', failed.length ? `${failed.length} case(s) failed` : '', skipped.length ? `${skipped.length} case(s) skipped for time` : '', !cpuOk ? 'the CPU step failed' : ''].filter(Boolean).join(', ')}.`;
  say(verdict);
  process.exitCode = verdict.includes('NOT') || verdict.includes('FAILED') ? 1 : 0;
}

await main();
