// Open a FLUX.2 transformer checkpoint in BFL or diffusers naming (one file or shards) and present it in
// BFL naming. Only headers are read: every weight is a list of byte ranges in the files, read on demand
// or handed to the engine as ONNX external data.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, dtypeByteSize, toFloat32, toFloat64, type SafetensorsDtype } from '@lora-studio/onnx';
import { validateFlux2Config, type Flux2Config } from './config';
import { bflToDiffusers, bflTensorName, diffusersToBfl, isBflModule, splitTensorName } from './naming';
import { flux2WeightSpecs } from './weights';
import { InvalidInputError } from '@lora-studio/api';

/** A run of rows of one stored tensor; a BFL weight is the row-concatenation of its pieces. */
export interface WeightPiece {
  path: string;
  /** Tensor name as stored in the file. */
  tensor: string;
  dtype: SafetensorsDtype;
  rowStart: number;
  rowEnd: number;
  /** Absolute byte range of these rows in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface WeightSource {
  /** BFL name. */
  name: string;
  shape: number[];
  dtype: SafetensorsDtype;
  pieces: WeightPiece[];
}

export type CheckpointNaming = 'bfl' | 'diffusers';

export interface Flux2Checkpoint {
  naming: CheckpointNaming;
  config: Flux2Config;
  /** By BFL name, in model order. */
  weights: Map<string, WeightSource>;
  readFloat32(name: string): Float32Array;
  readFloat64(name: string): Float64Array;
  close(): void;
}

const PREFIXES = ['model.diffusion_model.', 'diffusion_model.'];

interface StoredTensor { file: SafetensorsFile; name: string; dtype: SafetensorsDtype; shape: number[]; byteOffset: number }

/** A checkpoint the user gave cannot be used: their file to fix, answered as invalid input. */
export class CheckpointError extends InvalidInputError {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

function listSome(names: string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} … (${names.length} in all)` : shown;
}

/**
 * Open a checkpoint: one file, a list of shards, or a folder of shards (a diffusers `transformer/` folder).
 * `config` is inferred from tensor shapes when not given.
 */
export function openFlux2Checkpoint(paths: string | string[], options: { config?: Flux2Config } = {}): Flux2Checkpoint {
  const files = (Array.isArray(paths) ? paths : expandFolder(paths)).map((p) => SafetensorsFile.open(p));
  try {
    return buildCheckpoint(files, options.config);
  } catch (error) {
    for (const f of files) f.close();
    throw error;
  }
}

function expandFolder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const shards = readdirSync(path).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(path, f));
  if (!shards.length) throw new CheckpointError(`${path} is a folder without .safetensors files; point to the transformer's weights.`);
  return shards;
}

function buildCheckpoint(files: SafetensorsFile[], givenConfig?: Flux2Config): Flux2Checkpoint {
  const stored = new Map<string, StoredTensor>();
  for (const file of files) {
    for (const t of file.tensors) {
      const prefix = PREFIXES.find((p) => t.name.startsWith(p)) ?? '';
      const name = t.name.slice(prefix.length);
      const previous = stored.get(name);
      if (previous) throw new CheckpointError(`Tensor "${name}" appears twice (in ${previous.file.path} and ${file.path}); pass each shard once.`);
      stored.set(name, { file, name: t.name, dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset });
    }
  }
  const bflKeys: string[] = [];
  const diffusersKeys: string[] = [];
  const unexpected: string[] = [];
  for (const name of stored.keys()) {
    const { module, suffix } = splitTensorName(name);
    const asBfl = isBflModule(module) && bflTensorName(module) === name;
    const asDiffusers = suffix === 'weight' && diffusersToBfl(module) !== null;
    if (asBfl) bflKeys.push(name);
    else if (asDiffusers) diffusersKeys.push(name);
    else unexpected.push(name);
  }
  if (bflKeys.length && diffusersKeys.length) {
    throw new CheckpointError(
      `The checkpoint mixes BFL names (${listSome(bflKeys, 3)}) and diffusers names (${listSome(diffusersKeys, 3)}). ` +
      'Use a checkpoint saved in one naming (the original BFL file or a diffusers transformer folder).',
    );
  }
  if (!bflKeys.length && !diffusersKeys.length) {
    throw new CheckpointError(`No FLUX.2 transformer weights found (first keys: ${listSome([...stored.keys()], 5)}). Is this a FLUX.2 transformer checkpoint?`);
  }
  const naming: CheckpointNaming = bflKeys.length ? 'bfl' : 'diffusers';
  const { sources, problems } = naming === 'bfl' ? bflSources(stored, bflKeys) : diffusersSources(stored, diffusersKeys);
  const config = validateFlux2Config(givenConfig ?? inferFlux2Config(sources));

  const missing: string[] = [];
  const wrongShape: string[] = [];
  const weights = new Map<string, WeightSource>();
  for (const spec of flux2WeightSpecs(config)) {
    const source = sources.get(spec.name);
    if (!source) {
      missing.push(naming === 'bfl' ? spec.name : diffusersNamesFor(spec.name).join(' + '));
      continue;
    }
    sources.delete(spec.name);
    if (source.shape.join(',') !== spec.shape.join(',')) {
      wrongShape.push(`${source.pieces.map((p) => p.tensor).join(' + ')} is [${source.shape}] but the config needs [${spec.shape}]`);
      continue;
    }
    weights.set(spec.name, source);
  }
  for (const extra of sources.values()) unexpected.push(...extra.pieces.map((p) => p.tensor));
  const report: string[] = [...problems];
  if (missing.length) report.push(`missing: ${listSome(missing)}`);
  if (wrongShape.length) report.push(`wrong shape: ${listSome(wrongShape, 5)}`);
  if (unexpected.length) report.push(`unexpected: ${listSome([...new Set(unexpected)])}`);
  if (report.length) {
    throw new CheckpointError(
      `The ${naming}-named checkpoint does not match the FLUX.2 config (D=${config.hiddenSize}, ${config.numDoubleBlocks} double + ${config.numSingleBlocks} single blocks): ` +
      `${report.join('; ')}. Check that the file is a complete FLUX.2 transformer and that the config fits it.`,
    );
  }

  const byPath = new Map(files.map((f) => [f.path, f]));
  const pieces = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new CheckpointError(`The checkpoint has no weight "${name}".`);
    return w.pieces.map((p) => ({ dtype: p.dtype, bytes: byPath.get(p.path)!.readAt(p.byteOffset, p.byteLength) }));
  };
  const concat = <T extends Float32Array | Float64Array>(parts: T[], make: (n: number) => T): T => {
    const out = make(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  return {
    naming,
    config,
    weights,
    readFloat32: (name) => concat(pieces(name).map((p) => toFloat32(p.dtype, p.bytes)), (n) => new Float32Array(n)),
    readFloat64: (name) => concat(pieces(name).map((p) => toFloat64(p.dtype, p.bytes)), (n) => new Float64Array(n)),
    close: () => files.forEach((f) => f.close()),
  };
}

function diffusersNamesFor(bflName: string): string[] {
  const { module } = splitTensorName(bflName);
  return bflToDiffusers(module)!.modules.map((m) => `${m}.weight`);
}

function rowsPiece(t: StoredTensor, rowStart: number, rowEnd: number): WeightPiece {
  const rowBytes = t.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(t.dtype);
  return {
    path: t.file.path, tensor: t.name, dtype: t.dtype, rowStart, rowEnd,
    byteOffset: t.byteOffset + rowStart * rowBytes, byteLength: (rowEnd - rowStart) * rowBytes,
  };
}

function bflSources(stored: Map<string, StoredTensor>, keys: string[]) {
  const sources = new Map<string, WeightSource>();
  for (const key of keys) {
    const t = stored.get(key)!;
    sources.set(key, { name: key, shape: t.shape, dtype: t.dtype, pieces: [rowsPiece(t, 0, t.shape[0] ?? 1)] });
  }
  return { sources, problems: [] as string[] };
}

function diffusersSources(stored: Map<string, StoredTensor>, keys: string[]) {
  const sources = new Map<string, WeightSource>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const ref = diffusersToBfl(splitTensorName(key).module)!;
    if (seen.has(ref.module)) continue;
    seen.add(ref.module);
    const names = bflToDiffusers(ref.module)!.modules.map((m) => `${m}.weight`);
    const parts = names.map((n) => stored.get(n));
    const absent = names.filter((_, i) => !parts[i]);
    if (absent.length) {
      problems.push(`missing: ${absent.join(', ')} (needed with ${names.filter((_, i) => parts[i]).join(', ')})`);
      continue;
    }
    const ts = parts as StoredTensor[];
    const bflName = bflTensorName(ref.module);
    if (ts.some((t) => t.dtype !== ts[0]!.dtype || t.shape.slice(1).join(',') !== ts[0]!.shape.slice(1).join(','))) {
      problems.push(`wrong shape: ${names.join(', ')} cannot be stacked into ${bflName} (their dtypes or column counts differ)`);
      continue;
    }
    const rows = ts[0]!.shape[0] ?? 1;
    let pieces: WeightPiece[];
    if (ref.rows === 'swap-halves') {
      if (rows % 2 !== 0) {
        problems.push(`wrong shape: ${names[0]} has ${rows} rows, which cannot be split into [scale, shift] halves`);
        continue;
      }
      pieces = [rowsPiece(ts[0]!, rows / 2, rows), rowsPiece(ts[0]!, 0, rows / 2)];
    } else {
      pieces = ts.map((t) => rowsPiece(t, 0, t.shape[0] ?? 1));
    }
    const shape = [...ts[0]!.shape];
    if (shape.length) shape[0] = ts.reduce((n, t) => n + (t.shape[0] ?? 1), 0);
    sources.set(bflName, { name: bflName, shape, dtype: ts[0]!.dtype, pieces });
  }
  return { sources, problems };
}

/**
 * Read a config from weight shapes (BFL names). RoPE axes and theta are not stored in weights: the
 * FLUX.2 split (four equal axes, theta 2000) is assumed.
 */
export function inferFlux2Config(weights: Map<string, { shape: number[] }>): Flux2Config {
  const shape = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new CheckpointError(`Cannot infer the model config: the checkpoint lacks ${name}. Pass a config (--config) or use a complete checkpoint.`);
    return w.shape;
  };
  const count = (prefix: string) => {
    let n = 0;
    for (const name of weights.keys()) {
      const m = new RegExp(`^${prefix}\\.(\\d+)\\.`).exec(name);
      if (m) n = Math.max(n, Number(m[1]) + 1);
    }
    return n;
  };
  const [D, inChannels] = shape('img_in.weight') as [number, number];
  const numDoubleBlocks = count('double_blocks');
  const numSingleBlocks = count('single_blocks');
  const normName = numDoubleBlocks ? 'double_blocks.0.img_attn.norm.query_norm.scale' : 'single_blocks.0.norm.query_norm.scale';
  const headDim = shape(normName)[0]!;
  const M = numDoubleBlocks ? shape('double_blocks.0.img_mlp.2.weight')[1]! : shape('single_blocks.0.linear2.weight')[1]! - D;
  const axis = headDim / 4;
  return {
    hiddenSize: D,
    numHeads: D / headDim,
    headDim,
    numDoubleBlocks,
    numSingleBlocks,
    mlpRatio: M / D,
    contextDim: shape('txt_in.weight')[1]!,
    inChannels,
    outChannels: shape('final_layer.linear.weight')[0]!,
    ropeAxesDims: [axis, axis, axis, axis],
    ropeTheta: 2000,
    guidanceEmbed: weights.has('guidance_in.in_layer.weight'),
    eps: 1e-6,
    timestepDim: shape('time_in.in_layer.weight')[1]!,
  };
}
