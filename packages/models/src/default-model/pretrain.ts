// `lora-studio model pretrain`: trains the default model from scratch on the emoji corpus, all weights, with
// checkpoints that make a killed run resumable to the same result (data, noise and times depend only on
// seed and step; optimizer moments and the step are in the checkpoint). Every checkpoint also refreshes a
// loadable model folder (model.json + fp16 weights) in the output folder.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, packValues, type ProviderFallback, type ProviderName, runTrainStep, SafetensorsFile, toFloat32, TrainState, unpackValues, updateEma, writeSafetensorsFile } from '@lora-studio/onnx';
import type { Flux2Config } from '../flux2/config';
import { randomFlux2Weights } from '../flux2/random-weights';
import { pretrainBatch, type TimeSampling } from './batch';
import { captionVocabulary, EmojiCorpus, listGoogleEmoji, type CorpusSelection } from './emoji-corpus';
import { MODEL_FORMAT, modelFolderId, readManifest, readModelWeights, TEXT_ENCODER_FILE, TRANSFORMER_FILE, writeModelFolder, type ModelManifest, type Provenance } from './model-files';
import type { PixelFormat } from './patchify';
import { buildPretrainStep, pretrainParameterSpecs, TEXT_ENCODER_PREFIX, TRANSFORMER_PREFIX } from './pretrain-graph';
import { DEFAULT_MODEL_NAME, DEFAULT_PIXEL_FORMAT, defaultTextEncoder, defaultTransformerConfig } from './spec';
import { randomTextEncoderWeights, textEncoderWeightSpecs, type TextEncoderConfig } from './text-encoder';

export interface PretrainOptions {
  out: string;
  steps: number;
  batch: number;
  seed: number;
  lr: number;
  warmupSteps: number;
  checkpointEvery: number;
  threads: number;
  resume: boolean;
  /** How flow-matching times are drawn; may change between sittings (each sitting is recorded). */
  timeSampling?: TimeSampling;
  /** The command line, recorded in model.json. */
  command: string;
  /**
   * Start from this model folder's weights instead of random ones (a new run only; a resumed run continues its
   * checkpoint). The transformer and image format must match; text-encoder weights the folder lacks (the word path
   * of a bytes-only model) start as a new run would.
   */
  initFrom?: string;
  /** Which emoji to train on (default 'all'); recorded in model.json so the quality gate judges on the same set. */
  corpus?: CorpusSelection;
  /**
   * Keep an exponential moving average of the weights with this decay (e.g. 0.999) and write the model folder from
   * it (the raw weights go to `without-ema/`). A sitting may start it or change the decay; once kept, every later
   * sitting must name a decay (the average is part of the run's state).
   */
  ema?: number;
  /**
   * Where the steps run: 'cpu', 'cuda' (refused with the reason when CUDA cannot run the graph) or 'auto' (CUDA when
   * it can, else the CPU; the default). Each sitting records the provider it ran on; a resumed run repeats its
   * weights bit for bit on the same provider.
   */
  device?: PretrainDevice;
  /** Use only the first N emoji (tests). */
  corpusLimit?: number;
  transformer?: Flux2Config;
  textEncoder?: TextEncoderConfig;
  image?: PixelFormat;
  onProgress?: (p: PretrainProgress) => void;
  /** Called once the step's session exists: the provider it runs on and why the ones before it did not load. */
  onStart?: (s: { provider: ProviderName; fallbacks: readonly ProviderFallback[] }) => void;
}

export type PretrainDevice = 'auto' | 'cpu' | 'cuda';
export const PRETRAIN_DEVICES: readonly PretrainDevice[] = ['auto', 'cpu', 'cuda'];
const DEVICE_PROVIDERS: Record<PretrainDevice, readonly ProviderName[]> = { auto: ['cuda', 'cpu'], cpu: ['cpu'], cuda: ['cuda'] };

export interface PretrainProgress {
  step: number;
  steps: number;
  loss: number;
  gradNorm: number;
  lr: number;
  ms: number;
  checkpoint?: string;
}

/** One invocation of the command: a run resumed across sittings lists each, so its weights can be remade. */
export interface PretrainSitting {
  command: string;
  fromStep: number;
  toStep: number;
  timeSampling: TimeSampling;
  /** The EMA decay of this sitting, when the run keeps an average. */
  ema?: number;
  /** The execution provider the sitting ran on (absent in sittings recorded before the choice existed: the CPU). */
  provider?: ProviderName;
}

export interface PretrainResult {
  steps: number;
  /** Loss of every step run in this call, in order. */
  losses: number[];
  modelDir: string;
}

const STATE_FILE = 'pretrain-state.safetensors';
/** Where a run that keeps an EMA writes the model folder of its raw weights. */
export const WITHOUT_EMA_DIR = 'without-ema';
const LOG_FILE = 'pretrain-log.jsonl';
const CAPTION_DROPOUT = 0.1;
const WEIGHT_DECAY = 0.01;
const CLIP_NORM = 1;

/** Linear warmup, then cosine decay to 10% of the peak at the last step. */
export function pretrainLearningRate(step: number, o: Pick<PretrainOptions, 'lr' | 'warmupSteps' | 'steps'>): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const progress = Math.min(1, (step - o.warmupSteps) / Math.max(1, o.steps - o.warmupSteps));
  return o.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** What must not change between a run and its resumption. */
function runIdentity(o: PretrainOptions, transformer: Flux2Config, textEncoder: TextEncoderConfig, image: PixelFormat) {
  // 'all' is left out so that runs started before the choice existed still resume.
  const corpus = o.corpus && o.corpus !== 'all' ? { corpus: o.corpus } : {};
  return { batch: o.batch, seed: o.seed, corpusLimit: o.corpusLimit ?? null, ...corpus, transformer, textEncoder, image };
}

export function gitCommit(cwd: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

type InitFrom = NonNullable<Provenance['initFrom']>;

/** Initial weights (by packed name) from a model folder, checked against the run's shapes. */
function warmStartWeights(dir: string, transformer: Flux2Config, textEncoder: TextEncoderConfig, image: PixelFormat, seed: number): { values: Record<string, Float32Array>; from: InitFrom } {
  const manifest = readManifest(dir);
  const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);
  const { words: _w, wordScale: _ws, ...textShape } = textEncoder;
  const { words: _fw, wordScale: _fs, ...fromTextShape } = manifest.textEncoder;
  if (!same(manifest.transformer, transformer) || !same({ size: manifest.image.size, patch: manifest.image.patch }, { size: image.size, patch: image.patch }) || !same(fromTextShape, textShape)) {
    throw new Error(`--init-from ${dir}: its transformer, image format or text encoder differs from this run's; warm start needs the same shapes (only a word path may be added).`);
  }
  const weights = readModelWeights(dir, manifest);
  const fresh = randomTextEncoderWeights(textEncoder, seed + 1);
  const values: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(weights.transformer)) values[TRANSFORMER_PREFIX + k] = v;
  for (const s of textEncoderWeightSpecs(textEncoder)) {
    const known = s.name !== 'word_embed' || same(manifest.textEncoder.words ?? [], textEncoder.words ?? []) ? weights.textEncoder[s.name] : undefined;
    values[TEXT_ENCODER_PREFIX + s.name] = known ?? fresh[s.name]!;
  }
  return { values, from: { dir, id: modelFolderId(dir, manifest), steps: manifest.provenance.steps, commit: manifest.provenance.commit } };
}

/** The moving average of the weights a run keeps (`--ema`), and the step it started at. */
interface WeightAverage {
  values: Float32Array;
  fromStep: number;
}

function saveState(out: string, state: TrainState, identity: object, sittings: PretrainSitting[], initFrom?: InitFrom, ema?: WeightAverage): void {
  const f32 = (a: Float32Array) => ({ dtype: 'F32' as const, shape: [a.length], data: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) });
  writeSafetensorsFile(join(out, STATE_FILE), { params: f32(state.params), m: f32(state.m), v: f32(state.v), ...(ema ? { ema: f32(ema.values) } : {}) }, {
    step: String(state.step), identity: JSON.stringify(identity), sittings: JSON.stringify(sittings),
    ...(initFrom ? { initFrom: JSON.stringify(initFrom) } : {}),
    ...(ema ? { emaFrom: String(ema.fromStep) } : {}),
  });
}

/** The step graph's session on the chosen device; 'cuda' is refused with onnxruntime's reason and what to do. */
async function openStepSession(bytes: Uint8Array, device: PretrainDevice, threads: number) {
  try {
    // Spinning intra-op threads measured against blocking ones as the run goes (CPU, 2+ threads): 40 steps of the
    // everyday corpus at batch 16 took 44 and 44 s spinning against 58 and 47 s blocking on a quiet machine.
    return await createSession(bytes, { providers: DEVICE_PROVIDERS[device], threads, spinning: 'auto' });
  } catch (e) {
    if (device !== 'cuda') throw e;
    throw new Error(`--device cuda: CUDA cannot run the pretraining step here (${(e as Error).message}). \`lora-studio engine\` says what is missing (on an NVIDIA machine: npm run gpu:install); or run it on the CPU with --device cpu.`);
  }
}

/** A run's checkpoint as read back for --resume: its optimizer state, and the sittings and warm start it records. */
interface SavedRun {
  state: TrainState;
  sittings: PretrainSitting[];
  initFrom?: InitFrom;
  ema?: WeightAverage;
}

/** Reads the state file once: refused when it was made with other settings. */
function loadRun(out: string, layout: ConstructorParameters<typeof TrainState>[0], identity: object): SavedRun {
  const path = join(out, STATE_FILE);
  const file = SafetensorsFile.open(path);
  try {
    const meta = file.metadata;
    if (meta.identity !== JSON.stringify(identity)) {
      throw new Error(`${path} was made with different settings (${meta.identity}); resume with the same --batch and --seed, or start a new --out folder.`);
    }
    const read = (n: string) => toFloat32('F32', file.readBytes(n));
    const state = new TrainState(layout, read('params'), read('m'), read('v'), Number(meta.step));
    return {
      state,
      sittings: meta.sittings ? (JSON.parse(meta.sittings) as PretrainSitting[]) : firstSitting(out, state.step),
      ...(meta.initFrom ? { initFrom: JSON.parse(meta.initFrom) as InitFrom } : {}),
      ...(meta.emaFrom !== undefined ? { ema: { values: read('ema'), fromStep: Number(meta.emaFrom) } } : {}),
    };
  } finally {
    file.close();
  }
}

/** A state written before sittings were recorded had one logit-normal sitting: the one model.json names. */
function firstSitting(out: string, step: number): PretrainSitting[] {
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as ModelManifest;
  return [{ command: manifest.provenance.command, fromStep: 0, toStep: step, timeSampling: 'logit-normal' }];
}

/** Keep the log consistent with the checkpoint: drop lines for steps after it (they will be run again). */
function trimLog(out: string, step: number): void {
  const path = join(out, LOG_FILE);
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as { step: number }).step <= step);
  writeFileSync(path, kept.map((l) => `${l}\n`).join(''));
}

export async function pretrainDefaultModel(o: PretrainOptions): Promise<PretrainResult> {
  const transformer = o.transformer ?? defaultTransformerConfig();
  const textEncoder = o.textEncoder ?? defaultTextEncoder(captionVocabulary(listGoogleEmoji(o.corpus).slice(0, o.corpusLimit)));
  const image = o.image ?? DEFAULT_PIXEL_FORMAT;
  const identity = runIdentity(o, transformer, textEncoder, image);
  mkdirSync(o.out, { recursive: true });

  const { bytes, io } = buildPretrainStep({ transformer, textEncoder, image, batch: o.batch }, { weightDecay: WEIGHT_DECAY, clipNorm: CLIP_NORM });
  const session = await openStepSession(bytes, o.device ?? 'auto', o.threads);
  o.onStart?.({ provider: session.provider, fallbacks: session.fallbacks });
  let state: TrainState;
  let sittings: PretrainSitting[] = [];
  let initFrom: InitFrom | undefined;
  let ema: WeightAverage | undefined;
  const timeSampling = o.timeSampling ?? 'logit-normal';
  const hasState = existsSync(join(o.out, STATE_FILE));
  if (o.resume && hasState) {
    const saved = loadRun(o.out, io.layout, identity);
    state = saved.state;
    trimLog(o.out, state.step);
    initFrom = saved.initFrom;
    ema = saved.ema;
    if (ema && o.ema === undefined) {
      throw new Error(`${o.out} keeps a moving average of its weights (since step ${ema.fromStep}); resume with --ema DECAY (e.g. the last sitting's ${saved.sittings.at(-1)?.ema ?? 0.999}).`);
    }
    sittings = saved.sittings.filter((s) => s.fromStep < state.step).map((s) => ({ ...s, toStep: Math.min(s.toStep, state.step) }));
  } else {
    if (hasState && !o.resume) throw new Error(`${o.out} already holds a pretraining run; add --resume to continue it, or choose another --out folder.`);
    let values: Record<string, Float32Array> = {};
    if (o.initFrom) {
      const warm = warmStartWeights(o.initFrom, transformer, textEncoder, image, o.seed);
      values = warm.values;
      initFrom = warm.from;
    } else {
      for (const [k, v] of Object.entries(randomFlux2Weights(transformer, o.seed))) values[TRANSFORMER_PREFIX + k] = v.data as Float32Array;
      for (const [k, v] of Object.entries(randomTextEncoderWeights(textEncoder, o.seed + 1))) values[TEXT_ENCODER_PREFIX + k] = v;
    }
    state = TrainState.init(io.layout, packValues(io.layout, values));
    writeFileSync(join(o.out, LOG_FILE), '');
  }

  if (o.ema !== undefined && !(o.ema > 0 && o.ema < 1)) throw new Error(`The EMA decay must be between 0 and 1 (got ${o.ema}).`);
  // A sitting that starts the average starts it from the weights as they are now.
  if (o.ema !== undefined && !ema) ema = { values: Float32Array.from(state.params), fromStep: state.step };
  const sitting: PretrainSitting = {
    command: o.command, fromStep: state.step, toStep: state.step, timeSampling, ...(o.ema !== undefined ? { ema: o.ema } : {}), provider: session.provider,
  };
  sittings.push(sitting);
  const corpus = await EmojiCorpus.load(image.size, { selection: o.corpus, limit: o.corpusLimit });
  const started = performance.now();
  const losses: number[] = [];
  const recent: number[] = [];
  // The model folder's manifest: the EMA's weights say so (provenance.ema); the raw weights' do not.
  const manifestFor = (average?: WeightAverage): ModelManifest => ({
    format: MODEL_FORMAT,
    name: DEFAULT_MODEL_NAME,
    transformer,
    image: { ...image, channels: 3, range: [-1, 1], patchOrder: 'c pi pj' },
    textEncoder,
    dtype: 'F16',
    files: { transformer: TRANSFORMER_FILE, textEncoder: TEXT_ENCODER_FILE },
    provenance: {
      command: o.command,
      sittings,
      ...(initFrom ? { initFrom } : {}),
      commit: gitCommit(process.cwd()),
      steps: state.step,
      seed: o.seed,
      corpus: `emoji-datasource-google@16 (${corpus.entries.length} images, Apache-2.0), batch ${o.batch}, lr ${o.lr}`,
      ...(o.corpus && o.corpus !== 'all' ? { corpusSelection: o.corpus } : {}),
      ...(average ? { ema: { fromStep: average.fromStep } } : {}),
      finalLoss: recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined,
      wallSeconds: Math.round((performance.now() - started) / 1000),
      date: new Date().toISOString(),
    },
    licence: 'Weights trained on Noto Emoji images (Apache-2.0, Google) from emoji-datasource-google; see LICENSES/.',
  });
  const checkpoint = () => {
    sitting.toStep = state.step;
    saveState(o.out, state, identity, sittings, initFrom, ema);
    const write = (dir: string, params: Float32Array, average?: WeightAverage) => {
      const unpacked = unpackValues(io.layout, params);
      const pick = (prefix: string) => Object.fromEntries(Object.entries(unpacked).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
      writeModelFolder(dir, manifestFor(average), { transformer: pick(TRANSFORMER_PREFIX), textEncoder: pick(TEXT_ENCODER_PREFIX) });
    };
    if (ema) {
      write(o.out, ema.values, ema);
      write(join(o.out, WITHOUT_EMA_DIR), state.params);
    } else {
      write(o.out, state.params);
    }
  };

  try {
    while (state.step < o.steps) {
      const step = state.step;
      const { feeds } = pretrainBatch(corpus, image, textEncoder, step, { batch: o.batch, seed: o.seed, captionDropout: CAPTION_DROPOUT, timeSampling });
      const lr = pretrainLearningRate(step, o);
      const r = await runTrainStep(session, io, state, feeds, { lr });
      if (!Number.isFinite(r.loss)) {
        throw new Error(`Pretraining diverged at step ${step + 1} (loss ${r.loss}). The last checkpoint in ${o.out} is intact; resume with a lower --lr.`);
      }
      if (ema) updateEma(ema.values, state.params, o.ema!);
      losses.push(r.loss);
      recent.push(r.loss);
      if (recent.length > 50) recent.shift();
      appendFileSync(join(o.out, LOG_FILE), `${JSON.stringify({ step: state.step, loss: r.loss, gradNorm: r.gradNorm, lr, ms: Math.round(r.ms) })}\n`);
      const due = state.step % o.checkpointEvery === 0 || state.step === o.steps;
      if (due) checkpoint();
      o.onProgress?.({ step: state.step, steps: o.steps, loss: r.loss, gradNorm: r.gradNorm, lr, ms: r.ms, checkpoint: due ? o.out : undefined });
    }
  } finally {
    await session.release();
  }
  if (!existsSync(join(o.out, 'model.json'))) checkpoint();
  return { steps: state.step, losses, modelDir: o.out };
}
