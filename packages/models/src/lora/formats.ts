// LoRA files in the three formats the ecosystem reads (docs/flux2.md §LoRA formats):
//   peft  — diffusers/PEFT: "transformer.<diffusers module>.lora_A/B.weight", q/k/v split, alpha in header JSON;
//   bfl   — "diffusion_model.<BFL module>.lora_A/B.weight", fused qkv, alpha folded into B (alpha = rank);
//   kohya — "lora_unet_<BFL module with _>.lora_down/lora_up.weight" + scalar ".alpha".
import { InvalidInputError } from '@lora-studio/api';
import { fromFloat32, toFloat32, type SafetensorsDtype, type TensorToWrite } from '@lora-studio/onnx';
import { bflToDiffusers, bflToKohya, compareModules, diffusersToBfl, isBflModule, kohyaToBfl, type RowMapping } from '../flux2/naming';
import { loraScale, type LoraAdapter, type LoraLayer } from './adapter';
import type { Adapter } from '../adapter/adapter-type';
import { exportLycoris, importLycoris, isLycorisSource } from './lycoris-format';
import { adapterValueProblems, alphaProblem, LoraValueError, loraValueMessage, weightProblem } from './values';

export const LORA_FORMATS = ['peft', 'bfl', 'kohya'] as const;
export type LoraFormat = (typeof LORA_FORMATS)[number];

export interface LoraExportOptions {
  /** Storage dtype of the low-rank matrices (alpha scalars stay F32). Default F32. */
  dtype?: 'F32' | 'F16' | 'BF16';
}

/** Header keys each export regenerates from the adapter, so a converted file never carries stale values. */
const FORMAT_KEYS = new Set([
  'format', 'lora_adapter_metadata', 'ss_network_dim', 'ss_network_alpha', 'ss_network_module', 'ss_network_args', 'lora_studio.format', 'lora_studio.adapter',
]);

/** Any adapter as a file's tensors and header: LoRA pairs in the format's own names, LoKr and LoHa in LyCORIS's. */
export function exportLora(given: Adapter, format: LoraFormat, options: LoraExportOptions = {}) {
  if (given.layers.some((l) => 'kind' in l)) return exportLycoris(given, format, options, FORMAT_KEYS);
  const adapter = given as LoraAdapter;
  const dtype = options.dtype ?? 'F32';
  const tensors: Record<string, TensorToWrite> = {};
  const put = (name: string, shape: number[], values: Float32Array) => {
    if (name in tensors) throw new Error(`Two LoRA layers map to the same key "${name}"; the adapter lists a layer twice.`);
    tensors[name] = { dtype, shape, data: fromFloat32(dtype, values) };
  };
  const peftModules: { module: string; rank: number; alpha: number }[] = [];
  // Never write a file no tool could use: NaN, infinite or non-positive numbers are refused by layer.
  const problems = adapterValueProblems(adapter);
  if (problems.length) throw new LoraValueError(loraValueMessage('This LoRA', problems));
  for (const layer of adapter.layers) {
    checkLayer(layer);
    const { path, rank, inDim, outDim } = layer;
    if (format === 'bfl') {
      put(`diffusion_model.${path}.lora_A.weight`, [rank, inDim], layer.down);
      put(`diffusion_model.${path}.lora_B.weight`, [outDim, rank], scaled(layer.up, loraScale(layer)));
    } else if (format === 'kohya') {
      const name = bflToKohya(path);
      put(`${name}.lora_down.weight`, [rank, inDim], layer.down);
      put(`${name}.lora_up.weight`, [outDim, rank], layer.up);
      tensors[`${name}.alpha`] = { dtype: 'F32', shape: [], data: fromFloat32('F32', new Float32Array([layer.alpha])) };
    } else {
      const target = bflToDiffusers(path)!;
      const ups = splitRows(layer.up, outDim, rank, target.rows);
      target.modules.forEach((module, i) => {
        put(`transformer.${module}.lora_A.weight`, [rank, inDim], layer.down);
        put(`transformer.${module}.lora_B.weight`, [ups[i]!.length / rank, rank], ups[i]!);
        peftModules.push({ module, rank, alpha: layer.alpha });
      });
    }
  }
  assertNoStrayKeys(Object.keys(tensors), format, adapter);
  return { tensors, metadata: exportMetadata(adapter, format, peftModules) };
}

function checkLayer(l: LoraLayer): void {
  if (!isBflModule(l.path) || bflToDiffusers(l.path)!.norm) throw new Error(`"${l.path}" is not a FLUX.2 Linear layer in BFL naming; it cannot carry a LoRA.`);
  if (l.down.length !== l.rank * l.inDim || l.up.length !== l.outDim * l.rank) {
    throw new Error(`LoRA layer ${l.path}: down has ${l.down.length} values and up ${l.up.length}, expected ${l.rank}×${l.inDim} and ${l.outDim}×${l.rank}.`);
  }
}

function scaled(values: Float32Array, s: number): Float32Array {
  return s === 1 ? values : values.map((v) => v * s);
}

/** Rows of B for each diffusers module (row-major [out, rank]). */
function splitRows(up: Float32Array, outDim: number, rank: number, rows: RowMapping): Float32Array[] {
  if (rows === 'same') return [up];
  if (rows === 'split3') {
    const part = (outDim / 3) * rank;
    return [0, 1, 2].map((i) => up.slice(i * part, (i + 1) * part));
  }
  return [swapHalves(up, outDim, rank)];
}

function swapHalves(values: Float32Array, rows: number, cols: number): Float32Array {
  const half = (rows / 2) * cols;
  const out = new Float32Array(values.length);
  out.set(values.subarray(half), 0);
  out.set(values.subarray(0, half), half);
  return out;
}

/** Every key must parse back to a layer of this adapter: a writer bug can never leave stray keys in a file. */
function assertNoStrayKeys(keys: string[], format: LoraFormat, adapter: LoraAdapter): void {
  const layers = new Set(adapter.layers.map((l) => l.path));
  for (const key of keys) {
    const parsed = parseLoraKey(key);
    if (!parsed || parsed.format !== format || !layers.has(parsed.module) || (parsed.role === 'alpha' && format !== 'kohya')) {
      throw new Error(`Internal error: the ${format} LoRA writer produced the key "${key}", which does not name one of the adapter's layers.`);
    }
  }
}

function mostCommon(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

function exportMetadata(adapter: LoraAdapter, format: LoraFormat, peftModules: { module: string; rank: number; alpha: number }[]) {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(adapter.metadata)) if (!FORMAT_KEYS.has(k)) metadata[k] = v;
  const rank = mostCommon(adapter.layers.map((l) => l.rank));
  const alpha = format === 'bfl' ? rank : mostCommon(adapter.layers.map((l) => l.alpha));
  metadata['modelspec.sai_model_spec'] ??= '1.0.0';
  metadata.ss_network_module = 'networks.lora_flux_2';
  metadata.ss_network_dim = String(rank);
  metadata.ss_network_alpha = String(alpha);
  metadata['lora_studio.format'] = format;
  if (format === 'peft') {
    const r = mostCommon(peftModules.map((m) => m.rank));
    const a = mostCommon(peftModules.map((m) => m.alpha));
    const rankPattern: Record<string, number> = {};
    const alphaPattern: Record<string, number> = {};
    for (const m of peftModules) {
      if (m.rank !== r) rankPattern[m.module] = m.rank;
      if (m.alpha !== a) alphaPattern[m.module] = m.alpha;
    }
    const config = {
      r, lora_alpha: a, rank_pattern: rankPattern, alpha_pattern: alphaPattern,
      // Full module names: a short name such as "attn.to_out" would also match the double blocks' to_out
      // ModuleList, which PEFT cannot wrap.
      target_modules: peftModules.map((m) => m.module),
      lora_dropout: 0, bias: 'none', use_dora: false, use_rslora: false, init_lora_weights: true,
    };
    metadata.format = 'pt';
    // diffusers stores each component's LoraConfig with its keys prefixed by the component name.
    metadata.lora_adapter_metadata = JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [`transformer.${k}`, v])));
  }
  return metadata;
}

type KeyRole = 'down' | 'up' | 'alpha';

interface ParsedKey {
  format: LoraFormat;
  /** BFL module. */
  module: string;
  /** For peft keys: the diffusers module and how it maps onto the BFL rows. */
  diffusers?: { module: string; rows: RowMapping; part: number };
  role: KeyRole;
}

const SUFFIXES: [string, KeyRole][] = [
  ['.lora_A.weight', 'down'], ['.lora_B.weight', 'up'],
  ['.lora_down.weight', 'down'], ['.lora_up.weight', 'up'], ['.alpha', 'alpha'],
];
const PREFIXES = ['model.diffusion_model.', 'diffusion_model.', 'base_model.model.', 'transformer.'];

/** Which layer and role a LoRA key names, in any of the three formats; null if it is not a FLUX.2 LoRA key. */
export function parseLoraKey(key: string): ParsedKey | null {
  const suffix = SUFFIXES.find(([s]) => key.endsWith(s));
  if (!suffix) return null;
  let name = key.slice(0, -suffix[0].length);
  if (name.startsWith('lora_unet_')) {
    const module = kohyaToBfl(name);
    return module && !bflToDiffusers(module)!.norm ? { format: 'kohya', module, role: suffix[1] } : null;
  }
  const prefix = PREFIXES.find((p) => name.startsWith(p));
  if (prefix) name = name.slice(prefix.length);
  if (isBflModule(name)) return bflToDiffusers(name)!.norm ? null : { format: 'bfl', module: name, role: suffix[1] };
  const ref = diffusersToBfl(name);
  if (!ref || ref.norm) return null;
  return { format: 'peft', module: ref.module, diffusers: { module: name, rows: ref.rows, part: ref.part }, role: suffix[1] };
}

/** What importLora needs from a safetensors file (in memory or on disk). */
export interface LoraSource {
  tensors: { name: string; dtype: SafetensorsDtype; shape: number[] }[];
  metadata: Record<string, string>;
  readFloat32(name: string): Float32Array;
}

interface Part { down?: { name: string; shape: number[] }; up?: { name: string; shape: number[] }; alpha?: string }

/** A LoRA file that is not one the studio reads: the user chose it, so it is their input to change. */
export class LoraFormatError extends InvalidInputError {
  constructor(message: string) {
    super(message);
    this.name = 'LoraFormatError';
  }
}

export interface LoraImportOptions {
  /**
   * Called with each unusable number (NaN/Inf weights, NaN/Inf/zero/negative alpha) instead of refusing the file:
   * for `lora inspect`, which shows what is wrong rather than nothing.
   */
  onValueProblem?: (problem: string) => void;
}

/** One tensor pair of a LoRA file as stored: its own names, shapes and values, and the scale alpha/rank it carries. */
export interface LoraFilePart {
  /** 0, or q/k/v = 0/1/2 for a diffusers split of a fused BFL layer. */
  index: number;
  rank: number;
  inDim: number;
  outDim: number;
  alpha: number;
  downName: string;
  upName: string;
  down: Float32Array;
  up: Float32Array;
}

/** A BFL layer of a LoRA file: the parts it is stored as, and how their rows map onto the layer. */
export interface LoraFileLayer {
  module: string;
  rows: RowMapping;
  parts: LoraFilePart[];
}

/**
 * Read a LoRA in any of the three formats as stored: per BFL layer, its tensor pairs under the file's own names (for
 * gradients reported per file tensor). Unusable numbers are refused with a LoraValueError naming the tensors, unless
 * `options.onValueProblem` takes them.
 */
export function readLoraParts(
  source: LoraSource,
  what = 'The LoRA file',
  options: LoraImportOptions = {},
): { layers: LoraFileLayer[]; format: LoraFormat } {
  if (isLycorisSource(source)) throw new LoraFormatError(`${what} is a LyCORIS LoKr or LoHa file, not LoRA pairs; this reads only LoRA pairs (convert it with "lora convert").`);
  const problems: string[] = [];
  const checked = (name: string): Float32Array => {
    const values = source.readFloat32(name);
    const problem = weightProblem(values, `tensor "${name}"`);
    if (problem) problems.push(problem);
    return values;
  };
  const checkedAlpha = (alpha: number, where: string): number => {
    const problem = alphaProblem(alpha, where);
    if (problem) problems.push(problem);
    return alpha;
  };
  const parsedKeys = source.tensors.map((t) => ({ t, parsed: parseLoraKey(t.name) }));
  const unknown = parsedKeys.filter((k) => !k.parsed).map((k) => k.t.name);
  if (unknown.length) {
    const shown = unknown.slice(0, 6).join(', ') + (unknown.length > 6 ? ` … (${unknown.length} in all)` : '');
    throw new LoraFormatError(`${what} has keys that are not FLUX.2 transformer LoRA tensors: ${shown}. Only transformer LoRAs in diffusers/PEFT, BFL or kohya naming can be read.`);
  }
  const formats = new Set(parsedKeys.map((k) => k.parsed!.format));
  if (formats.size === 0) throw new LoraFormatError(`${what} holds no LoRA tensors.`);
  if (formats.size > 1) throw new LoraFormatError(`${what} mixes LoRA namings (${[...formats].join(', ')}); convert it with a single tool first.`);
  // BFL module → part index (0 unless a split q/k/v) → tensors
  const modules = new Map<string, { rows: RowMapping; parts: Map<number, Part> }>();
  for (const { t, parsed } of parsedKeys) {
    if (!parsed) continue;
    const rows = parsed.diffusers?.rows ?? 'same';
    const entry = modules.get(parsed.module) ?? { rows, parts: new Map() };
    modules.set(parsed.module, entry);
    const index = parsed.diffusers?.part ?? 0;
    const part = entry.parts.get(index) ?? {};
    entry.parts.set(index, part);
    const previous = parsed.role === 'alpha' ? part.alpha : part[parsed.role]?.name;
    if (previous) throw new LoraFormatError(`${what} has two tensors for the same ${parsed.role} of ${parsed.module}: "${previous}" and "${t.name}".`);
    if (parsed.role === 'alpha') part.alpha = t.name;
    else part[parsed.role] = { name: t.name, shape: t.shape };
  }
  const format = [...formats][0]!;
  const alphaFor = peftAlphaLookup(source.metadata);
  const layers: LoraFileLayer[] = [];
  for (const [module, entry] of modules) {
    const parts = [...entry.parts.entries()].sort((a, b) => a[0] - b[0]).map(([index, part]): LoraFilePart => {
      if (!part.down || !part.up) {
        throw new LoraFormatError(`${what}: layer ${module} has ${part.down ? 'lora_A/down' : 'lora_B/up'} but not ${part.down ? 'lora_B/up' : 'lora_A/down'}.`);
      }
      const [rank, inDim] = part.down.shape as [number, number];
      const [outDim, upRank] = part.up.shape as [number, number];
      if (part.down.shape.length !== 2 || part.up.shape.length !== 2 || upRank !== rank) {
        throw new LoraFormatError(`${what}: layer ${module} has ${part.down.name} [${part.down.shape}] and ${part.up.name} [${part.up.shape}], whose ranks do not agree.`);
      }
      let alpha = rank;
      if (part.alpha) alpha = checkedAlpha(source.readFloat32(part.alpha)[0] ?? Number.NaN, `the alpha tensor "${part.alpha}"`);
      else if (format === 'peft') {
        const module = part.down.name.replace(/^transformer\./, '').replace(/\.lora_A\.weight$/, '');
        alpha = checkedAlpha(alphaFor(module, rank), `the lora_alpha for ${module} in the header's lora_adapter_metadata`);
      }
      return { index, rank, inDim, outDim, alpha, downName: part.down.name, upName: part.up.name, down: checked(part.down.name), up: checked(part.up.name) };
    });
    layers.push({ module, rows: entry.rows, parts });
  }
  if (problems.length) {
    if (options.onValueProblem) problems.forEach(options.onValueProblem);
    else throw new LoraValueError(loraValueMessage(what, problems));
  }
  return { layers: layers.sort((a, b) => compareModules(a.module, b.module)), format };
}

/**
 * Read a LoRA in any of the three formats into our internal form (qkv fused exactly). Unusable numbers are refused
 * with a LoraValueError naming the tensors, unless `options.onValueProblem` takes them.
 */
export function importLora(
  source: LoraSource,
  what = 'The LoRA file',
  options: LoraImportOptions = {},
): { adapter: LoraAdapter; format: LoraFormat } {
  const { layers, format } = readLoraParts(source, what, options);
  const fused = layers.map((l) => fuseParts(l.module, l.rows, l.parts, what));
  return { adapter: { layers: fused, metadata: { ...source.metadata } }, format };
}

/** Read any adapter file: LoRA pairs in the three formats, or LoKr and LoHa in LyCORIS's key names. */
export function importAdapter(
  source: LoraSource,
  what = 'The LoRA file',
  options: LoraImportOptions = {},
): { adapter: Adapter; format: LoraFormat } {
  return isLycorisSource(source) ? importLycoris(source, what, options, LoraFormatError) : importLora(source, what, options);
}

type ReadPart = Pick<LoraFilePart, 'index' | 'rank' | 'inDim' | 'outDim' | 'alpha' | 'down' | 'up'>;

function fuseParts(module: string, rows: RowMapping, parts: ReadPart[], what: string): LoraLayer {
  if (rows !== 'split3') {
    const p = parts[0]!;
    const up = rows === 'swap-halves' ? swapHalves(p.up, p.outDim, p.rank) : p.up;
    return { path: module, inDim: p.inDim, outDim: p.outDim, rank: p.rank, alpha: p.alpha, down: p.down, up };
  }
  const { inDim, outDim: partOut } = parts[0]!;
  if (parts.some((p) => p.inDim !== inDim || p.outDim !== partOut)) {
    throw new LoraFormatError(`${what}: the q/k/v LoRAs of ${module} have different shapes and cannot be fused.`);
  }
  const outDim = 3 * partOut;
  const first = parts[0]!;
  const sharedDown = parts.length === 3 && parts.every((p) => p.rank === first.rank && p.alpha === first.alpha && sameValues(p.down, first.down));
  if (sharedDown) {
    // What our own split produces: one A for q, k, v; B is simply stacked (rank unchanged).
    const up = new Float32Array(outDim * first.rank);
    for (const p of parts) up.set(p.up, p.index * partOut * first.rank);
    return { path: module, inDim, outDim, rank: first.rank, alpha: first.alpha, down: first.down, up };
  }
  // General case: A stacked, B block-diagonal, each part's scale folded into its block (alpha = rank).
  const rank = parts.reduce((n, p) => n + p.rank, 0);
  const down = new Float32Array(rank * inDim);
  const up = new Float32Array(outDim * rank);
  let col = 0;
  for (const p of parts) {
    down.set(p.down, col * inDim);
    const s = p.alpha / p.rank;
    for (let o = 0; o < partOut; o++) {
      for (let r = 0; r < p.rank; r++) up[(p.index * partOut + o) * rank + col + r] = p.up[o * p.rank + r]! * s;
    }
    col += p.rank;
  }
  return { path: module, inDim, outDim, rank, alpha: rank, down, up };
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function peftAlphaLookup(metadata: Record<string, string>): (module: string, rank: number) => number {
  const raw = metadata.lora_adapter_metadata;
  if (!raw) return (_module, rank) => rank;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new LoraFormatError('The LoRA header field lora_adapter_metadata is not valid JSON; re-export the LoRA.');
  }
  const get = (k: string) => json[`transformer.${k}`] ?? json[k];
  // Absent: PEFT's default (alpha = r). Present but not a number: kept as NaN, so the reader refuses it by name.
  const alpha = get('lora_alpha') === undefined ? undefined : Number(get('lora_alpha'));
  // rsLoRA scales by alpha/sqrt(r); expressed as our alpha/r that is alpha·sqrt(r).
  const rsLora = get('use_rslora') === true;
  const alphaPattern = (get('alpha_pattern') ?? {}) as Record<string, number>;
  const match = (pattern: Record<string, number>, module: string) => {
    const key = Object.keys(pattern).find((k) => k === module || new RegExp(`(^|\\.)(${k})$`).test(module));
    return key === undefined ? undefined : pattern[key];
  };
  return (module, rank) => {
    // PEFT scales by alpha / r, and r equals the tensors' rank in any file PEFT can load.
    const pattern = match(alphaPattern, module);
    const a = pattern === undefined ? alpha : Number(pattern);
    if (a === undefined) return rank;
    return rsLora ? a * Math.sqrt(rank) : a;
  };
}

/** Adapt a parsed in-memory file or an open SafetensorsFile to importLora's input. */
export function loraSourceOf(file: {
  tensors: { name: string; dtype: SafetensorsDtype; shape: number[] }[];
  metadata: Record<string, string>;
} & ({ tensorBytes(name: string): Uint8Array } | { readBytes(name: string): Uint8Array })): LoraSource {
  const bytes = (name: string) => ('tensorBytes' in file ? file.tensorBytes(name) : file.readBytes(name));
  const dtypes = new Map(file.tensors.map((t) => [t.name, t.dtype]));
  return { tensors: file.tensors, metadata: file.metadata, readFloat32: (name) => toFloat32(dtypes.get(name)!, bytes(name)) };
}
