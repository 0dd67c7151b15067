// Argument handling of `lora-studio model pretrain`, shared by the host CLI and scripts/pretrain-default-model.ts.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CORPUS_SELECTIONS, type CorpusSelection } from './emoji-corpus';
import { PRETRAIN_DEVICES, pretrainDefaultModel, type PretrainDevice, type PretrainOptions } from './pretrain';

export const PRETRAIN_HELP = `Usage: lora-studio model pretrain --out DIR [--steps N] [--batch B] [--lr LR] [--seed S] [--checkpoint-every N]
                               [--threads T] [--time-sampling logit-normal|mixed] [--init-from MODEL_DIR] [--corpus all|everyday] [--ema DECAY] [--device auto|cpu|cuda] [--resume] [--json]

Trains every weight of the default model (pixel-space FLUX.2 + text encoder: bytes plus a learned vector per
caption word) on the Google emoji of emoji-datasource-google (--corpus all: 3,786 with skin tones; everyday: the 662
faces, animals, plants, food, places and vehicles), with captions that state background, size and position. Deterministic: the same
options give the same weights, and --resume after a kill continues to the same result. DIR receives model.json +
fp16 weights at every checkpoint (usable as a base model), pretrain-state.safetensors (for --resume) and
pretrain-log.jsonl (one line per step).
--time-sampling mixed draws half the flow-matching times uniformly and half shifted toward pure noise, which
sampling from t = 1 needs; it may differ between sittings of one run (model.json lists every sitting).
--init-from MODEL_DIR starts a new run from a model folder's weights (same transformer and image format; a word
path the folder lacks starts at zero), e.g. resources/base-models/flux2-tiny-default; model.json records it.
--ema DECAY (e.g. 0.999) keeps an exponential moving average of the weights from this sitting on: DIR's model is
written from the average and the raw weights go to DIR/without-ema/ (compare both with the quality gate). A run
that keeps one must name a decay at every --resume.
--device auto (the default) runs on an NVIDIA GPU when onnxruntime's CUDA provider can run the step, else on the CPU
(--threads); cuda refuses to fall back. Each sitting records its provider. On a GPU a larger --batch (a new run,
e.g. --init-from this one) uses it far better than 16.
Defaults: --corpus all --steps 1000 --batch 16 --lr 0.0005 --seed 1 --checkpoint-every 25 --threads 2 --time-sampling logit-normal.
Example: lora-studio model pretrain --out ~/models/tiny --steps 4000 --resume`;

/** A mistake in the arguments; the CLI prints it with the help text. */
export class PretrainArgumentError extends Error {
  override name = 'PretrainArgumentError';
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new PretrainArgumentError(`${name} must be a positive whole number (got "${value}").`);
  return n;
}

export function parsePretrainArgs(argv: string[], command: string): PretrainOptions & { json: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
      seed: { type: 'string' }, 'checkpoint-every': { type: 'string' }, threads: { type: 'string' }, 'time-sampling': { type: 'string' }, 'init-from': { type: 'string' }, corpus: { type: 'string' }, ema: { type: 'string' }, device: { type: 'string' },
      resume: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length) throw new PretrainArgumentError(`Unexpected argument "${positionals[0]}".`);
  if (!values.out) throw new PretrainArgumentError('--out DIR is required (the folder that receives the model).');
  const lr = values.lr === undefined ? 5e-4 : Number(values.lr);
  if (!(lr > 0 && lr < 1)) throw new PretrainArgumentError(`--lr must be between 0 and 1 (got "${values.lr}").`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new PretrainArgumentError(`--seed must be a whole number ≥ 0 (got "${values.seed}").`);
  const steps = positiveInt(values.steps, '--steps', 1000);
  const timeSampling = values['time-sampling'] ?? 'logit-normal';
  if (timeSampling !== 'logit-normal' && timeSampling !== 'mixed') {
    throw new PretrainArgumentError(`--time-sampling must be logit-normal or mixed (got "${timeSampling}").`);
  }
  const corpus = values.corpus ?? 'all';
  if (!CORPUS_SELECTIONS.includes(corpus as CorpusSelection)) {
    throw new PretrainArgumentError(`--corpus must be ${CORPUS_SELECTIONS.join(' or ')} (got "${corpus}").`);
  }
  const ema = values.ema === undefined ? undefined : Number(values.ema);
  if (ema !== undefined && !(ema > 0 && ema < 1)) throw new PretrainArgumentError(`--ema must be a decay between 0 and 1, e.g. 0.999 (got "${values.ema}").`);
  const device = values.device ?? 'auto';
  if (!PRETRAIN_DEVICES.includes(device as PretrainDevice)) throw new PretrainArgumentError(`--device must be ${PRETRAIN_DEVICES.join(', ')} (got "${device}").`);
  return {
    out: resolve(values.out), ema, device: device as PretrainDevice, steps, lr, seed, corpus: corpus as CorpusSelection,
    batch: positiveInt(values.batch, '--batch', 16),
    warmupSteps: Math.min(100, Math.ceil(steps / 10)),
    checkpointEvery: positiveInt(values['checkpoint-every'], '--checkpoint-every', 25),
    threads: positiveInt(values.threads, '--threads', 2),
    resume: values.resume,
    timeSampling,
    initFrom: values['init-from'] === undefined ? undefined : resolve(values['init-from']),
    json: values.json,
    command: [command, ...argv].join(' '),
  };
}

/** Runs the command; progress goes to `print` (a line of text, or one JSON object per line with --json). */
export async function runPretrainCli(argv: string[], command: string, print: (line: string) => void = console.log): Promise<number> {
  const o = parsePretrainArgs(argv, command);
  const started = Date.now();
  const result = await pretrainDefaultModel({
    ...o,
    onStart: ({ provider, fallbacks }) => {
      const why = fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ');
      if (o.json) print(JSON.stringify({ event: 'started', provider, fallbacks }));
      else print(`Pretraining on ${provider === 'cpu' ? `the CPU (${o.threads} threads)` : provider}${why ? ` — not on ${why}` : ''}`);
    },
    onProgress: (p) => {
      if (o.json) print(JSON.stringify({ event: 'step', ...p }));
      else if (p.step % 10 === 0 || p.checkpoint) {
        const elapsed = ((Date.now() - started) / 1000).toFixed(0);
        print(`step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ${(p.ms / 1000).toFixed(2)} s/step  ${elapsed} s${p.checkpoint ? '  checkpoint saved' : ''}`);
      }
    },
  });
  print(o.json ? JSON.stringify({ event: 'finished', steps: result.steps, modelDir: result.modelDir }) : `Done: ${result.steps} steps. Model in ${result.modelDir}`);
  return 0;
}
