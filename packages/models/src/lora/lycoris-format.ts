// LoKr and LoHa files in LyCORIS's key names, which ComfyUI's LoRA loader, kohya and LyCORIS read: per layer
// "<module>.lokr_w1", "<module>.lokr_w2" (or "lokr_w2_a" + "lokr_w2_b"), "<module>.hada_w1_a" … and a scalar
// "<module>.alpha", where <module> is "diffusion_model.<BFL module>" (bfl) or "lora_unet_<BFL module with _>"
// (kohya). The header says "lycoris.kohya" and the algo, as LyCORIS's own files do.
import { fromFloat32, type TensorToWrite } from '@lora-studio/onnx';
import type { Adapter, AdapterKind, FactoredLayer } from '../adapter/adapter-type';
import { ADAPTER_TYPES } from '../adapter/adapter-types';
import { bflToDiffusers, bflToKohya, compareModules, isBflModule, kohyaToBfl } from '../flux2/naming';
import type { LoraExportOptions, LoraFormat, LoraFormatError as FormatError, LoraImportOptions, LoraSource } from './formats';
import { alphaProblem, LoraValueError, loraValueMessage, weightProblem } from './values';

/** The tensor roles of each LyCORIS kind (every kind that reads its own files), as LyCORIS names them. */
export const LYCORIS_ROLES = Object.fromEntries(Object.values(ADAPTER_TYPES).filter((t) => t.fromFile).map((t) => [t.kind, t.roles])) as Record<Exclude<AdapterKind, 'lora'>, readonly string[]>;
/** LyCORIS roles this reader does not take (Tucker cores, a decomposed W1), so it says so instead of misreading. */
const UNREAD_ROLES = ['lokr_w1_a', 'lokr_w1_b', 'lokr_t2', 'hada_t1', 'hada_t2'];

/** Which factored kind a key names, if any: its module part and role. */
export function parseLycorisKey(key: string): { kind: Exclude<AdapterKind, 'lora'> | 'unread'; name: string; role: string } | null {
  for (const [kind, roles] of Object.entries(LYCORIS_ROLES) as [Exclude<AdapterKind, 'lora'>, readonly string[]][]) {
    const role = roles.find((r) => key.endsWith(`.${r}`));
    if (role) return { kind, name: key.slice(0, -role.length - 1), role };
  }
  const unread = UNREAD_ROLES.find((r) => key.endsWith(`.${r}`));
  return unread ? { kind: 'unread', name: key.slice(0, -unread.length - 1), role: unread } : null;
}

/** True when a file holds LyCORIS LoKr or LoHa tensors. */
export function isLycorisSource(source: Pick<LoraSource, 'tensors'>): boolean {
  return source.tensors.some((t) => parseLycorisKey(t.name) !== null);
}

function moduleOf(name: string): { module: string; format: 'bfl' | 'kohya' } | null {
  if (name.startsWith('lora_unet_')) {
    const module = kohyaToBfl(name);
    return module && !bflToDiffusers(module)!.norm ? { module, format: 'kohya' } : null;
  }
  const bare = name.replace(/^(model\.)?diffusion_model\./, '');
  return isBflModule(bare) && !bflToDiffusers(bare)!.norm ? { module: bare, format: 'bfl' } : null;
}

export function exportLycoris(adapter: Adapter, format: LoraFormat, options: LoraExportOptions, formatKeys: ReadonlySet<string>) {
  const kinds = new Set(adapter.layers.map((l) => ('kind' in l ? l.kind : 'lora')));
  if (kinds.size !== 1) throw new Error(`This adapter mixes ${[...kinds].join(' and ')} layers; a file holds one kind.`);
  const kind = [...kinds][0] as Exclude<AdapterKind, 'lora'>;
  if (format === 'peft') {
    throw new Error(`A ${ADAPTER_TYPES[kind].label} is written in LyCORIS key names, which BFL and kohya naming carry; diffusers/PEFT naming holds LoRA pairs only. Choose the bfl or kohya format.`);
  }
  const problems: string[] = [];
  const dtype = options.dtype ?? 'F32';
  const tensors: Record<string, TensorToWrite> = {};
  for (const layer of adapter.layers as FactoredLayer[]) {
    if (!isBflModule(layer.path) || bflToDiffusers(layer.path)!.norm) throw new Error(`"${layer.path}" is not a FLUX.2 Linear layer in BFL naming; it cannot carry an adapter.`);
    const name = format === 'bfl' ? `diffusion_model.${layer.path}` : bflToKohya(layer.path);
    const alpha = alphaProblem(layer.alpha, `the alpha of ${kind} layer ${layer.path}`);
    if (alpha) problems.push(alpha);
    for (const t of ADAPTER_TYPES[kind].fileTensors(layer)) {
      const problem = weightProblem(t.data, `the ${t.role} weights of ${kind} layer ${layer.path}`);
      if (problem) problems.push(problem);
      const key = `${name}.${t.role}`;
      if (key in tensors) throw new Error(`Two adapter layers map to the same key "${key}"; the adapter lists a layer twice.`);
      tensors[key] = { dtype, shape: t.shape, data: fromFloat32(dtype, t.data) };
    }
    tensors[`${name}.alpha`] = { dtype: 'F32', shape: [], data: fromFloat32('F32', new Float32Array([layer.alpha])) };
  }
  if (problems.length) throw new LoraValueError(loraValueMessage(`This ${kind}`, problems));
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(adapter.metadata)) if (!formatKeys.has(k)) metadata[k] = v;
  const first = adapter.layers[0] as FactoredLayer | undefined;
  metadata['modelspec.sai_model_spec'] ??= '1.0.0';
  metadata.ss_network_module = 'lycoris.kohya';
  metadata.ss_network_args = JSON.stringify({ ...ADAPTER_TYPES[kind].networkArgs, ...lokrArgs(adapter) });
  metadata.ss_network_dim = String(first?.rank ?? 0);
  metadata.ss_network_alpha = String(first?.alpha ?? 0);
  metadata['lora_studio.format'] = format;
  metadata['lora_studio.adapter'] = kind;
  return { tensors, metadata };
}

/**
 * LoKr's factor as LyCORIS's network args carry it: the run's own setting (its training config in the header), else
 * what a file read earlier said, else −1 (automatic).
 */
function lokrArgs(adapter: Adapter): Record<string, string> {
  if (!adapter.layers.some((l) => 'kind' in l && l.kind === 'lokr')) return {};
  const parse = (key: string): Record<string, unknown> => {
    try {
      return JSON.parse(adapter.metadata[key] ?? '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const factor = parse('lora_studio.training_config').lokrFactor ?? parse('ss_network_args').factor ?? -1;
  return { factor: String(factor) };
}

/** Read a LyCORIS LoKr or LoHa file into factored layers, checked as the LoRA reader checks its files. */
export function importLycoris(
  source: LoraSource,
  what: string,
  options: LoraImportOptions,
  formatError: new (message: string) => FormatError,
): { adapter: Adapter; format: LoraFormat } {
  type Entry = { kind: Exclude<AdapterKind, 'lora'>; format: 'bfl' | 'kohya'; roles: Map<string, string>; alpha?: string };
  const modules = new Map<string, Entry>();
  const strays: string[] = [];
  for (const t of source.tensors) {
    const parsed = parseLycorisKey(t.name);
    const alphaName = t.name.endsWith('.alpha') ? t.name.slice(0, -'.alpha'.length) : undefined;
    const where = moduleOf(parsed?.name ?? alphaName ?? '');
    if (parsed?.kind === 'unread') {
      throw new formatError(`${what} stores ${parsed.role} tensors (a Tucker core or a decomposed LoKr W1), which the studio does not read yet; export it from its trainer without them.`);
    }
    if (!where || (!parsed && !alphaName)) {
      strays.push(t.name);
      continue;
    }
    const entry: Entry = modules.get(where.module) ?? { kind: parsed?.kind ?? 'lokr', format: where.format, roles: new Map() };
    modules.set(where.module, entry);
    if (parsed) {
      entry.kind = parsed.kind;
      entry.roles.set(parsed.role, t.name);
    } else entry.alpha = t.name;
  }
  if (strays.length) throw new formatError(`${what} has keys that are not FLUX.2 LyCORIS adapter tensors: ${strays.slice(0, 6).join(', ')}.`);
  const formats = new Set([...modules.values()].map((m) => m.format));
  const kinds = new Set([...modules.values()].map((m) => m.kind));
  if (formats.size > 1) throw new formatError(`${what} mixes namings (bfl and kohya); convert it with a single tool first.`);
  if (kinds.size > 1) throw new formatError(`${what} mixes LoKr and LoHa layers; the studio reads one kind per file.`);
  const problems: string[] = [];
  const layers: FactoredLayer[] = [];
  for (const [module, entry] of modules) {
    const read = (role: string) => {
      const name = entry.roles.get(role);
      if (!name) return undefined;
      const data = source.readFloat32(name);
      const problem = weightProblem(data, `tensor "${name}"`);
      if (problem) problems.push(problem);
      return { shape: source.tensors.find((t) => t.name === name)!.shape, data };
    };
    const tensors: FactoredLayer['tensors'] = {};
    for (const role of LYCORIS_ROLES[entry.kind]) {
      const t = read(role);
      if (t) tensors[role] = t;
    }
    const fileAlpha = entry.alpha ? source.readFloat32(entry.alpha)[0] ?? Number.NaN : undefined;
    if (fileAlpha !== undefined) {
      const problem = alphaProblem(fileAlpha, `the alpha tensor "${entry.alpha}"`);
      if (problem) problems.push(problem);
    }
    const layer = ADAPTER_TYPES[entry.kind].fromFile!(module, tensors, fileAlpha);
    if (typeof layer === 'string') throw new formatError(`${what}: ${layer}`);
    layers.push(layer);
  }
  if (problems.length) {
    if (options.onValueProblem) problems.forEach(options.onValueProblem);
    else throw new LoraValueError(loraValueMessage(what, problems));
  }
  return { adapter: { layers: layers.sort((a, b) => compareModules(a.path, b.path)), metadata: { ...source.metadata } }, format: [...formats][0]! };
}
