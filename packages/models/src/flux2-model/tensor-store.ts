// The safetensors files of one component (a text encoder, a VAE): one file, or shards listed by a
// `*.safetensors.index.json`. Opening checks every shard against the index (missing shards, tensors the index puts
// in a shard that lacks them, truncated files) and collects the problems instead of stopping at the first.
// Weights enter graphs as ONNX external data pointing into these files (never copied into JS), cast in the graph.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cast, reshape, SafetensorsFile, toFloat32, toFloat64, type DType, type Graph, type SafetensorsDtype, type SafetensorsTensorInfo, type Tensor } from '@lora-studio/onnx';

const ONNX_DTYPE: Partial<Record<SafetensorsDtype, DType>> = { F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

export interface StoredTensor extends SafetensorsTensorInfo {
  file: SafetensorsFile;
}

export interface TensorStore {
  /** Every tensor by its stored name. */
  tensors: Map<string, StoredTensor>;
  files: SafetensorsFile[];
  /** Bytes of tensor data in all files. */
  bytes: number;
  close(): void;
}

/**
 * Opens `path` (a .safetensors file, or a folder holding one file or index-listed shards). Problems are pushed to
 * `problems` (named by file); returns undefined when nothing usable could be opened.
 */
export function openTensorStore(path: string, what: string, problems: string[]): TensorStore | undefined {
  if (!existsSync(path)) {
    problems.push(`${what}: ${path} is missing.`);
    return undefined;
  }
  const paths = statSync(path).isDirectory() ? shardPaths(path, what, problems) : [path];
  if (!paths) return undefined;
  const files: SafetensorsFile[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue; // already reported by shardPaths
    try {
      files.push(SafetensorsFile.open(p));
    } catch (e) {
      problems.push(`${what}: ${p} cannot be read (${(e as Error).message}). Download it again.`);
    }
  }
  const tensors = new Map<string, StoredTensor>();
  for (const file of files) {
    for (const t of file.tensors) {
      const before = tensors.get(t.name);
      if (before) problems.push(`${what}: the tensor "${t.name}" is in both ${basename(before.file.path)} and ${basename(file.path)}; keep one copy of each shard.`);
      tensors.set(t.name, { ...t, file });
    }
  }
  if (statSync(path).isDirectory()) checkIndex(path, tensors, what, problems);
  if (!files.length) return undefined;
  return {
    tensors, files,
    bytes: [...tensors.values()].reduce((n, t) => n + t.byteLength, 0),
    close: () => files.forEach((f) => f.close()),
  };
}

function indexFile(dir: string): string | undefined {
  return readdirSync(dir).filter((f) => f.endsWith('.safetensors.index.json')).sort()[0];
}

function shardPaths(dir: string, what: string, problems: string[]): string[] | undefined {
  const index = indexFile(dir);
  if (index) {
    const map = readIndex(join(dir, index), what, problems);
    if (!map) return undefined;
    const shards = [...new Set(Object.values(map))].sort();
    const missing = shards.filter((s) => !existsSync(join(dir, s)));
    if (missing.length) problems.push(`${what}: ${index} lists shards that are not in ${dir}: ${missing.join(', ')}. Finish the download.`);
    return shards.map((s) => join(dir, s));
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  if (!files.length) {
    problems.push(`${what}: ${dir} holds no .safetensors file.`);
    return undefined;
  }
  if (files.length > 1) problems.push(`${what}: ${dir} holds ${files.length} .safetensors files but no *.safetensors.index.json saying which tensor is where.`);
  return files.map((f) => join(dir, f));
}

function readIndex(path: string, what: string, problems: string[]): Record<string, string> | undefined {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { weight_map?: unknown };
    const map = json.weight_map;
    if (typeof map !== 'object' || map === null || Object.values(map).some((v) => typeof v !== 'string' || basename(v) !== v)) {
      problems.push(`${what}: ${path} has no "weight_map" of tensor names to shard file names.`);
      return undefined;
    }
    return map as Record<string, string>;
  } catch (e) {
    problems.push(`${what}: ${path} is not valid JSON (${(e as Error).message}).`);
    return undefined;
  }
}

/** Every tensor the index names must be in the shard it names. */
function checkIndex(dir: string, tensors: Map<string, StoredTensor>, what: string, problems: string[]): void {
  const index = indexFile(dir);
  if (!index) return;
  const map = readIndex(join(dir, index), what, []);
  if (!map) return;
  const wrong: string[] = [];
  for (const [name, shard] of Object.entries(map)) {
    if (!existsSync(join(dir, shard))) continue;
    const t = tensors.get(name);
    if (!t || basename(t.file.path) !== shard) wrong.push(`${name} (index: ${shard}${t ? `, found in ${basename(t.file.path)}` : ', not found'})`);
  }
  if (wrong.length) {
    const shown = wrong.slice(0, 5).join('; ') + (wrong.length > 5 ? ` … (${wrong.length} in all)` : '');
    problems.push(`${what}: shards in ${dir} do not match ${index}: ${shown}. A shard is from another download; fetch it again.`);
  }
}

/** Float values of a stored tensor (small tensors: norms, stats, tests). */
export function readStored64(t: StoredTensor): Float64Array {
  return toFloat64(t.dtype, t.file.readAt(t.byteOffset, t.byteLength));
}

export function readStored32(t: StoredTensor): Float32Array {
  return toFloat32(t.dtype, t.file.readAt(t.byteOffset, t.byteLength));
}

/**
 * A stored tensor as a graph weight in the compute dtype: external data into its file, cast in the graph, and
 * reshaped when the graph wants another shape of the same values (a 1×1 conv kernel used as a matrix).
 */
export function addStoredWeight(g: Graph, name: string, t: StoredTensor, dtype: DType, shape: readonly number[] = t.shape): Tensor {
  const w = addStoredRaw(g, name, t);
  const typed = w.dtype === dtype ? w : cast(w, dtype);
  return t.shape.join(',') === shape.join(',') ? typed : reshape(typed, [...shape]);
}

/** A stored tensor in its stored dtype (an embedding table is gathered before the cast: only the rows used are cast). */
export function addStoredRaw(g: Graph, name: string, t: StoredTensor): Tensor {
  const stored = ONNX_DTYPE[t.dtype];
  if (!stored) throw new Error(`${basename(t.file.path)}: "${t.name}" is stored as ${t.dtype}; only F64, F32, F16 and BF16 weights can be used.`);
  return g.externalInitializer(name, stored, t.shape, { path: t.file.path, offset: t.byteOffset, length: t.byteLength });
}

/** The folder external data paths are written relative to: the first file's folder. */
export function storeFolder(store: TensorStore): string {
  return dirname(store.files[0]!.path);
}

/** Stored dtypes with their share of the bytes, e.g. "BF16" or "BF16 98%, F32 2%". */
export function precisionOf(stores: readonly (TensorStore | undefined)[]): string {
  const bytes = new Map<string, number>();
  let total = 0;
  for (const s of stores) for (const t of s?.tensors.values() ?? []) {
    bytes.set(t.dtype, (bytes.get(t.dtype) ?? 0) + t.byteLength);
    total += t.byteLength;
  }
  const sorted = [...bytes].sort((a, b) => b[1] - a[1]);
  if (sorted.length <= 1) return sorted[0]?.[0] ?? 'none';
  return sorted.map(([d, n]) => `${d} ${Math.round((100 * n) / total)}%`).join(', ');
}
