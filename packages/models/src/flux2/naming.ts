// BFL ↔ diffusers module names (docs/flux2.md §Checkpoint names). BFL names are our internal naming.
// A module is a Linear layer or a QK-norm; names here carry no ".weight"/".scale" suffix.

/**
 * How one BFL module's rows relate to its diffusers counterpart(s):
 * - same: identical tensor;
 * - split3: the BFL rows are the row-concatenation of three diffusers modules (fused q|k|v);
 * - swap-halves: the BFL rows are the diffusers rows with the two halves exchanged (final modulation is
 *   [shift, scale] in BFL, [scale, shift] in diffusers).
 */
export type RowMapping = 'same' | 'split3' | 'swap-halves';

interface Rule {
  bfl: string;
  diffusers: string[];
  rows: RowMapping;
  /** QK-norm gains are ".scale" in BFL and ".weight" in diffusers. */
  norm?: boolean;
}

const GLOBAL_RULES: Rule[] = [
  { bfl: 'img_in', diffusers: ['x_embedder'], rows: 'same' },
  { bfl: 'txt_in', diffusers: ['context_embedder'], rows: 'same' },
  { bfl: 'time_in.in_layer', diffusers: ['time_guidance_embed.timestep_embedder.linear_1'], rows: 'same' },
  { bfl: 'time_in.out_layer', diffusers: ['time_guidance_embed.timestep_embedder.linear_2'], rows: 'same' },
  { bfl: 'guidance_in.in_layer', diffusers: ['time_guidance_embed.guidance_embedder.linear_1'], rows: 'same' },
  { bfl: 'guidance_in.out_layer', diffusers: ['time_guidance_embed.guidance_embedder.linear_2'], rows: 'same' },
  { bfl: 'double_stream_modulation_img.lin', diffusers: ['double_stream_modulation_img.linear'], rows: 'same' },
  { bfl: 'double_stream_modulation_txt.lin', diffusers: ['double_stream_modulation_txt.linear'], rows: 'same' },
  { bfl: 'single_stream_modulation.lin', diffusers: ['single_stream_modulation.linear'], rows: 'same' },
  { bfl: 'final_layer.adaLN_modulation.1', diffusers: ['norm_out.linear'], rows: 'swap-halves' },
  { bfl: 'final_layer.linear', diffusers: ['proj_out'], rows: 'same' },
];

const DOUBLE_RULES: Rule[] = [
  { bfl: 'img_attn.qkv', diffusers: ['attn.to_q', 'attn.to_k', 'attn.to_v'], rows: 'split3' },
  { bfl: 'img_attn.proj', diffusers: ['attn.to_out.0'], rows: 'same' },
  { bfl: 'img_mlp.0', diffusers: ['ff.linear_in'], rows: 'same' },
  { bfl: 'img_mlp.2', diffusers: ['ff.linear_out'], rows: 'same' },
  { bfl: 'txt_attn.qkv', diffusers: ['attn.add_q_proj', 'attn.add_k_proj', 'attn.add_v_proj'], rows: 'split3' },
  { bfl: 'txt_attn.proj', diffusers: ['attn.to_add_out'], rows: 'same' },
  { bfl: 'txt_mlp.0', diffusers: ['ff_context.linear_in'], rows: 'same' },
  { bfl: 'txt_mlp.2', diffusers: ['ff_context.linear_out'], rows: 'same' },
  { bfl: 'img_attn.norm.query_norm', diffusers: ['attn.norm_q'], rows: 'same', norm: true },
  { bfl: 'img_attn.norm.key_norm', diffusers: ['attn.norm_k'], rows: 'same', norm: true },
  { bfl: 'txt_attn.norm.query_norm', diffusers: ['attn.norm_added_q'], rows: 'same', norm: true },
  { bfl: 'txt_attn.norm.key_norm', diffusers: ['attn.norm_added_k'], rows: 'same', norm: true },
];

const SINGLE_RULES: Rule[] = [
  { bfl: 'linear1', diffusers: ['attn.to_qkv_mlp_proj'], rows: 'same' },
  { bfl: 'linear2', diffusers: ['attn.to_out'], rows: 'same' },
  { bfl: 'norm.query_norm', diffusers: ['attn.norm_q'], rows: 'same', norm: true },
  { bfl: 'norm.key_norm', diffusers: ['attn.norm_k'], rows: 'same', norm: true },
];

const BLOCKS = [
  { bfl: 'double_blocks', diffusers: 'transformer_blocks', rules: DOUBLE_RULES },
  { bfl: 'single_blocks', diffusers: 'single_transformer_blocks', rules: SINGLE_RULES },
] as const;

export interface DiffusersModules {
  modules: string[];
  rows: RowMapping;
  norm: boolean;
}

/** The diffusers module(s) holding a BFL module, or null if the name is not a FLUX.2 module. */
export function bflToDiffusers(bflModule: string): DiffusersModules | null {
  const g = GLOBAL_RULES.find((r) => r.bfl === bflModule);
  if (g) return { modules: g.diffusers, rows: g.rows, norm: !!g.norm };
  for (const block of BLOCKS) {
    const m = new RegExp(`^${block.bfl}\\.(\\d+)\\.(.+)$`).exec(bflModule);
    if (!m) continue;
    const rule = block.rules.find((r) => r.bfl === m[2]);
    if (!rule) return null;
    return { modules: rule.diffusers.map((d) => `${block.diffusers}.${m[1]}.${d}`), rows: rule.rows, norm: !!rule.norm };
  }
  return null;
}

export interface BflModuleRef {
  module: string;
  rows: RowMapping;
  /** For split3: which third of the BFL rows this diffusers module is (0 = q, 1 = k, 2 = v). */
  part: number;
  norm: boolean;
}

/** The BFL module a diffusers module belongs to, or null if the name is not a FLUX.2 module. */
export function diffusersToBfl(diffusersModule: string): BflModuleRef | null {
  for (const r of GLOBAL_RULES) {
    const part = r.diffusers.indexOf(diffusersModule);
    if (part >= 0) return { module: r.bfl, rows: r.rows, part, norm: !!r.norm };
  }
  for (const block of BLOCKS) {
    const m = new RegExp(`^${block.diffusers}\\.(\\d+)\\.(.+)$`).exec(diffusersModule);
    if (!m) continue;
    for (const r of block.rules) {
      const part = r.diffusers.indexOf(m[2]!);
      if (part >= 0) return { module: `${block.bfl}.${m[1]}.${r.bfl}`, rows: r.rows, part, norm: !!r.norm };
    }
    return null;
  }
  return null;
}

/** True when the module path is a FLUX.2 module in BFL naming. */
export function isBflModule(module: string): boolean {
  return bflToDiffusers(module) !== null;
}

/** BFL tensor suffix for a module: QK-norm gains are ".scale", everything else ".weight". */
export function bflTensorName(module: string): string {
  return `${module}.${bflToDiffusers(module)?.norm ? 'scale' : 'weight'}`;
}

/** Split "a.b.weight" into its module and suffix. */
export function splitTensorName(name: string): { module: string; suffix: string } {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? { module: name, suffix: '' } : { module: name.slice(0, dot), suffix: name.slice(dot + 1) };
}

/**
 * kohya names are "lora_unet_" + the BFL path with dots replaced by underscores. BFL module names contain
 * underscores too, so the reverse mapping matches against the known module shapes.
 */
export function bflToKohya(bflModule: string): string {
  return `lora_unet_${bflModule.replace(/\./g, '_')}`;
}

export function kohyaToBfl(kohyaModule: string): string | null {
  if (!kohyaModule.startsWith('lora_unet_')) return null;
  const flat = kohyaModule.slice('lora_unet_'.length);
  const flatten = (s: string) => s.replace(/\./g, '_');
  const g = GLOBAL_RULES.find((r) => flatten(r.bfl) === flat);
  if (g) return g.bfl;
  for (const block of BLOCKS) {
    const m = new RegExp(`^${block.bfl}_(\\d+)_(.+)$`).exec(flat);
    if (!m) continue;
    const rule = block.rules.find((r) => flatten(r.bfl) === m[2]);
    return rule ? `${block.bfl}.${m[1]}.${rule.bfl}` : null;
  }
  return null;
}

/** Sort key giving model order: embedders and modulations, double blocks, single blocks, final layer. */
export function moduleOrder(bflModule: string): number[] {
  const g = GLOBAL_RULES.findIndex((r) => r.bfl === bflModule);
  if (g >= 0) return [bflModule.startsWith('final_layer.') ? 3 : 0, 0, g];
  for (const [i, block] of BLOCKS.entries()) {
    const m = new RegExp(`^${block.bfl}\\.(\\d+)\\.(.+)$`).exec(bflModule);
    if (m) return [1 + i, Number(m[1]), block.rules.findIndex((r) => r.bfl === m[2])];
  }
  return [4, 0, 0];
}

export function compareModules(a: string, b: string): number {
  const ka = moduleOrder(a);
  const kb = moduleOrder(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  return 0;
}
