// The on-disk form of a real FLUX.2 base model for LoRA training (README.md in this folder): model.json naming
// the transformer checkpoint, the user's ONNX exports of the text encoder and the VAE halves, a vocab.json and
// the VAE's BatchNorm running stats. Everything is checked here, all problems at once, before any session runs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SafetensorsFile, toFloat32 } from '@lora-studio/onnx';
import { parseFlux2Config, type Flux2Config } from '../flux2/config';
import type { LatentStats } from './latent-tokens';

export const ONNX_MODEL_FORMAT = 'lora-studio-flux2-onnx';

export interface OnnxModelManifest {
  format: typeof ONNX_MODEL_FORMAT;
  name: string;
  transformer: {
    /** A BFL or diffusers .safetensors file, or a folder of shards (default "transformer.safetensors"). */
    weights?: string;
    /** A preset name (`flux2-klein-4b` …) and/or config fields; without both, read from the tensor shapes. */
    preset?: string;
    config?: Partial<Flux2Config>;
  };
  textEncoder: {
    /** Default "text-encoder.onnx". */
    model?: string;
    /** Default "vocab.json". */
    vocab?: string;
    /** Chat template with "{prompt}" (docs/flux2.md §Text encoders). */
    template: string;
    /** Default 512. */
    maxTokens?: number;
    padId: number;
    /** Default true (Qwen3 and Mistral vocabs are byte-level). */
    byteLevel?: boolean;
    unkId?: number;
    /** Hidden-state outputs to concatenate per token, in order; default every output of the model. */
    outputs?: string[];
  };
  vae: {
    /** Defaults "vae-encoder.onnx", "vae-decoder.onnx", "vae-stats.safetensors". */
    encoder?: string;
    decoder?: string;
    stats?: string;
    /** Pixels per latent cell (8 for the FLUX.2 VAE). */
    downscale?: number;
    /** BatchNorm epsilon (1e-4 for FLUX.2). */
    eps?: number;
  };
  /** Training defaults: the resolution the model was trained at (1024) and guidance for sample images. */
  nativeResolution?: number;
  sampleGuidance?: number;
}

/** model.json with defaults filled and every path made absolute. */
export interface OnnxModelFolder {
  dir: string;
  manifest: OnnxModelManifest;
  /** Given in model.json; undefined = read from the checkpoint's shapes. */
  config?: Flux2Config;
  files: { transformer: string; textEncoder: string; vocab: string; vaeEncoder: string; vaeDecoder: string; vaeStats: string };
  vocab: Record<string, number>;
  text: { template: string; maxTokens: number; padId: number; byteLevel: boolean; unkId?: number; outputs?: string[] };
  downscale: number;
  stats: LatentStats;
}

export class OnnxModelFolderError extends Error {
  override name = 'OnnxModelFolderError';
  constructor(readonly dir: string, readonly problems: string[]) {
    super(`The model folder ${dir} cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee packages/models/src/encoders/README.md for the expected layout.`);
  }
}

/** True when `dir/model.json` declares this format (so callers can pick the loader). */
export function isOnnxModelFolder(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { format?: unknown }).format === ONNX_MODEL_FORMAT;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** Reads model.json, the vocab and the VAE stats; throws OnnxModelFolderError listing every problem found. */
export function readOnnxModelFolder(dirIn: string): OnnxModelFolder {
  const dir = resolve(dirIn);
  const problems: string[] = [];
  const manifestPath = join(dir, 'model.json');
  let m: OnnxModelManifest;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8')) as OnnxModelManifest;
  } catch (e) {
    throw new OnnxModelFolderError(dir, [`model.json cannot be read (${(e as Error).message}).`]);
  }
  if (!isObject(m) || m.format !== ONNX_MODEL_FORMAT) {
    throw new OnnxModelFolderError(dir, [`model.json must have "format": "${ONNX_MODEL_FORMAT}" (found ${JSON.stringify((m as { format?: unknown })?.format)}).`]);
  }
  for (const key of ['transformer', 'textEncoder', 'vae'] as const) {
    if (!isObject(m[key])) problems.push(`model.json lacks the "${key}" object.`);
  }
  if (problems.length) throw new OnnxModelFolderError(dir, problems);
  if (typeof m.name !== 'string' || !m.name) problems.push('model.json lacks "name" (a short model name shown to the user).');

  const file = (given: string | undefined, fallback: string, what: string) => {
    const path = resolve(dir, given ?? fallback);
    if (!existsSync(path)) problems.push(`${what} ${given ?? fallback} is missing${given ? '' : ' (the default name; set another in model.json)'}.`);
    return path;
  };
  const files = {
    transformer: file(m.transformer.weights, 'transformer.safetensors', 'the transformer checkpoint'),
    textEncoder: file(m.textEncoder.model, 'text-encoder.onnx', 'the text encoder'),
    vocab: file(m.textEncoder.vocab, 'vocab.json', 'the tokenizer vocab'),
    vaeEncoder: file(m.vae.encoder, 'vae-encoder.onnx', 'the VAE encoder'),
    vaeDecoder: file(m.vae.decoder, 'vae-decoder.onnx', 'the VAE decoder'),
    vaeStats: file(m.vae.stats, 'vae-stats.safetensors', 'the VAE BatchNorm stats'),
  };

  let config: Flux2Config | undefined;
  if (m.transformer.preset !== undefined || m.transformer.config !== undefined) {
    try {
      config = parseFlux2Config({ ...(m.transformer.preset ? { preset: m.transformer.preset } : {}), ...m.transformer.config });
    } catch (e) {
      problems.push(`transformer config: ${(e as Error).message}`);
    }
  }

  const t = m.textEncoder;
  if (typeof t.template !== 'string' || !t.template.includes('{prompt}')) problems.push('textEncoder.template must be the chat template text with "{prompt}" where the caption goes.');
  if (!Number.isInteger(t.padId) || t.padId < 0) problems.push('textEncoder.padId must be the pad token id (151643 for Qwen3).');
  if (t.maxTokens !== undefined && !isCount(t.maxTokens)) problems.push('textEncoder.maxTokens must be a positive whole number (512 for FLUX.2).');
  if (t.unkId !== undefined && (!Number.isInteger(t.unkId) || t.unkId < 0)) problems.push('textEncoder.unkId must be a token id.');
  if (t.outputs !== undefined && (!Array.isArray(t.outputs) || !t.outputs.length || t.outputs.some((o) => typeof o !== 'string'))) {
    problems.push('textEncoder.outputs must be a list of output names of text-encoder.onnx.');
  }
  const downscale = m.vae.downscale ?? 8;
  if (!isCount(downscale)) problems.push('vae.downscale must be a positive whole number (8 for the FLUX.2 VAE).');
  const eps = m.vae.eps ?? 1e-4;
  if (typeof eps !== 'number' || !(eps >= 0)) problems.push('vae.eps must be a number ≥ 0 (1e-4 for FLUX.2).');

  const vocab = existsSync(files.vocab) ? readVocab(files.vocab, problems) : {};
  const stats = existsSync(files.vaeStats) ? readStats(files.vaeStats, eps, problems) : { mean: new Float32Array(), variance: new Float32Array(), eps };
  if (problems.length) throw new OnnxModelFolderError(dir, problems);
  return {
    dir, manifest: m, config, files, vocab, downscale, stats,
    text: { template: t.template, maxTokens: t.maxTokens ?? 512, padId: t.padId, byteLevel: t.byteLevel ?? true, unkId: t.unkId, outputs: t.outputs },
  };
}

function readVocab(path: string, problems: string[]): Record<string, number> {
  try {
    const vocab = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!isObject(vocab) || !Object.values(vocab).every((id) => Number.isInteger(id) && (id as number) >= 0)) {
      problems.push(`${path} must be a JSON object {token: id} with whole-number ids (the "model.vocab" of a tokenizer.json).`);
      return {};
    }
    return vocab as Record<string, number>;
  } catch (e) {
    problems.push(`${path} is not valid JSON (${(e as Error).message}).`);
    return {};
  }
}

/** running_mean / running_var, as bare names or under a prefix (so the VAE checkpoint itself can serve). */
function readStats(path: string, eps: number, problems: string[]): LatentStats {
  const empty = { mean: new Float32Array(), variance: new Float32Array(), eps };
  let file: SafetensorsFile;
  try {
    if (statSync(path).isDirectory()) throw new Error('it is a folder');
    file = SafetensorsFile.open(path);
  } catch (e) {
    problems.push(`the VAE stats ${path} cannot be read: ${(e as Error).message}`);
    return empty;
  }
  try {
    const find = (suffix: string) => {
      const hits = file.tensors.filter((t) => t.name === suffix || t.name.endsWith(`.${suffix}`));
      if (hits.length !== 1) {
        problems.push(`${path} must hold exactly one "${suffix}" tensor (found ${hits.length ? hits.map((h) => h.name).join(', ') : 'none'}).`);
        return undefined;
      }
      const info = hits[0]!;
      if (!['F32', 'F16', 'BF16', 'F64'].includes(info.dtype)) {
        problems.push(`${path}: "${info.name}" is ${info.dtype}; the stats must be floating point.`);
        return undefined;
      }
      if (info.shape.length !== 1) {
        problems.push(`${path}: "${info.name}" is [${info.shape}], expected a vector [128] (4 × the VAE's latent channels).`);
        return undefined;
      }
      return toFloat32(info.dtype, file.readBytes(info.name));
    };
    const mean = find('running_mean');
    const variance = find('running_var');
    if (!mean || !variance) return empty;
    if (mean.length !== variance.length) problems.push(`${path}: running_mean has ${mean.length} values but running_var has ${variance.length}.`);
    if (variance.some((v) => !(v >= 0))) problems.push(`${path}: running_var has negative or non-finite values.`);
    return { mean, variance, eps };
  } finally {
    file.close();
  }
}
