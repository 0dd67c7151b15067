// The on-disk form of the default model: a folder with model.json (configs + provenance) and two safetensors
// files (transformer in BFL names, text encoder), fp16 to keep the repository small.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, toFloat32, writeSafetensorsFile, fromFloat32, type TensorToWrite } from '@lora-studio/onnx';
import { validateFlux2Config, type Flux2Config } from '../flux2/config';
import { flux2WeightSpecs } from '../flux2/weights';
import type { PixelFormat } from './patchify';
import type { CorpusSelection } from './emoji-corpus';
import { textEncoderWeightSpecs, validateTextEncoderConfig, type TensorSpec, type TextEncoderConfig } from './text-encoder';

export const MODEL_FORMAT = 'lora-studio-pixel-flux2';
export const TRANSFORMER_FILE = 'transformer.safetensors';
export const TEXT_ENCODER_FILE = 'text-encoder.safetensors';
/**
 * 1: bytes-only text encoder (model.json without formatVersion). 2: the text encoder may have the word path
 * (textEncoder.words). A loader reads every version up to its own and refuses newer ones by name.
 */
export const MODEL_FORMAT_VERSION = 2;

/** The lowest version that can hold this text encoder: what a writer records. */
export function formatVersionFor(textEncoder: TextEncoderConfig): number {
  return textEncoder.words === undefined ? 1 : 2;
}

export interface Provenance {
  /** The exact command that produced the weights (the last sitting's, when resumed). */
  command: string;
  /** Every sitting in order, for a run resumed across sittings: command and the steps it ran. */
  sittings?: { command: string; fromStep: number; toStep: number; timeSampling: string; ema?: number; provider?: string }[];
  /** The model folder the weights started from (a warm start), with its content id and provenance. */
  initFrom?: { dir: string; id: string; steps: number; commit: string };
  /** `git rev-parse HEAD` of the tree that ran it (plus "-dirty" when it had uncommitted changes). */
  commit: string;
  steps: number;
  seed: number;
  corpus: string;
  /** The emoji selection it was trained on (`emoji-corpus.ts`); absent: 'all'. */
  corpusSelection?: CorpusSelection;
  /**
   * The weights are an exponential moving average of the training weights (`--ema`), kept since `fromStep` with the
   * decay of each sitting; the raw training weights of the same step are in the run's `without-ema/` folder.
   */
  ema?: { fromStep: number };
  /** Mean training loss over the last steps. */
  finalLoss?: number;
  wallSeconds?: number;
  date: string;
}

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  /** Absent in version-1 folders. */
  formatVersion?: number;
  name: string;
  /** The FLUX.2 transformer's hyper-parameters, in full (no preset lookup needed to load). */
  transformer: Flux2Config;
  image: PixelFormat & { channels: 3; range: [-1, 1]; patchOrder: 'c pi pj' };
  textEncoder: TextEncoderConfig;
  dtype: 'F16' | 'F32';
  files: { transformer: string; textEncoder: string };
  provenance: Provenance;
  licence: string;
}

export interface ModelWeights {
  transformer: Record<string, Float32Array>;
  textEncoder: Record<string, Float32Array>;
}

export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}

export function readManifest(dir: string): ModelManifest {
  const path = join(dir, 'model.json');
  let json: ModelManifest;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelManifest;
  } catch (e) {
    throw new ModelFolderError(`Cannot read ${path} (${(e as Error).message}). Point --base at a folder made by "lora-studio model pretrain".`);
  }
  if (json.format !== MODEL_FORMAT) throw new ModelFolderError(`${path} is not a LoRA Studio pixel-space model (format "${String(json.format)}").`);
  const version = json.formatVersion ?? 1;
  if (!Number.isInteger(version) || version < 1 || version > MODEL_FORMAT_VERSION) {
    throw new ModelFolderError(`${path} is format version ${String(json.formatVersion)}; this LoRA Studio reads versions 1 to ${MODEL_FORMAT_VERSION}. Update LoRA Studio to use it.`);
  }
  validateFlux2Config(json.transformer);
  validateTextEncoderConfig(json.textEncoder);
  if (formatVersionFor(json.textEncoder) > version) {
    throw new ModelFolderError(`${path} declares format version ${version} but its text encoder has a word path (version ${formatVersionFor(json.textEncoder)}); the file was edited by hand or is damaged.`);
  }
  return json;
}

function readAll(path: string, specs: readonly TensorSpec[]): Record<string, Float32Array> {
  const file = SafetensorsFile.open(path);
  try {
    const out: Record<string, Float32Array> = {};
    for (const s of specs) {
      if (!file.has(s.name)) throw new ModelFolderError(`${path} lacks tensor "${s.name}"; the file does not match model.json.`);
      const info = file.info(s.name);
      if (info.shape.join('x') !== s.shape.join('x')) {
        throw new ModelFolderError(`${path}: "${s.name}" is [${info.shape}] but model.json implies [${s.shape}].`);
      }
      out[s.name] = toFloat32(info.dtype, file.readBytes(s.name));
    }
    return out;
  } finally {
    file.close();
  }
}

export function readModelWeights(dir: string, manifest: ModelManifest): ModelWeights {
  return {
    transformer: readAll(join(dir, manifest.files.transformer), flux2WeightSpecs(manifest.transformer)),
    textEncoder: readAll(join(dir, manifest.files.textEncoder), textEncoderWeightSpecs(manifest.textEncoder)),
  };
}

/** Content id of a model folder: its name and a hash of model.json and both weight files (part of cache keys). */
export function modelFolderId(dir: string, manifest: ModelManifest): string {
  const hash = createHash('sha256');
  for (const f of ['model.json', manifest.files.transformer, manifest.files.textEncoder]) hash.update(readFileSync(join(dir, f)));
  return `${manifest.name}@${hash.digest('hex').slice(0, 16)}`;
}

function toWrite(specs: readonly TensorSpec[], values: Record<string, Float32Array>, dtype: 'F16' | 'F32'): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  for (const s of specs) {
    const v = values[s.name];
    if (!v) throw new Error(`Cannot save the model: weight "${s.name}" is missing.`);
    out[s.name] = { dtype, shape: s.shape, data: fromFloat32(dtype, v) };
  }
  return out;
}

/** Writes the three files into `dir`; each is written to a temporary name and renamed, so a crash leaves no half file. */
export function writeModelFolder(dir: string, manifest: ModelManifest, weights: ModelWeights): void {
  mkdirSync(dir, { recursive: true });
  const meta = { format: MODEL_FORMAT, name: manifest.name };
  writeSafetensorsFile(join(dir, manifest.files.transformer), toWrite(flux2WeightSpecs(manifest.transformer), weights.transformer, manifest.dtype), meta);
  writeSafetensorsFile(join(dir, manifest.files.textEncoder), toWrite(textEncoderWeightSpecs(manifest.textEncoder), weights.textEncoder, manifest.dtype), meta);
  const tmp = join(dir, '.model.json.tmp');
  const version = formatVersionFor(manifest.textEncoder);
  const { format, name, formatVersion: _old, ...rest } = manifest;
  // A version-1 model is written exactly as before (no formatVersion), so older LoRA Studios still read it.
  writeFileSync(tmp, `${JSON.stringify(version > 1 ? { format, formatVersion: version, name, ...rest } : { format, name, ...rest }, null, 2)}\n`);
  renameSync(tmp, join(dir, 'model.json'));
}
