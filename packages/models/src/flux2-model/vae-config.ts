// The FLUX.2 VAE's shape (widths per level, blocks per level, latent channels) and its weight names. Internally
// weights go by diffusers names (vae/ of a diffusers download); BFL's ae.safetensors names map onto them. BFL files
// carry no config, so the shape is read from tensor shapes.

export interface VaeConfig {
  /** Channels per resolution level, e.g. [128, 256, 512, 512]. */
  blockOutChannels: number[];
  layersPerBlock: number;
  latentChannels: number;
  normGroups: number;
  /** BatchNorm epsilon of the latent normalisation. */
  batchNormEps: number;
}

export type VaeNaming = 'diffusers' | 'bfl';

/** Pixels per latent cell (8 for FLUX.2). */
export function vaeDownscale(c: VaeConfig): number {
  return 2 ** (c.blockOutChannels.length - 1);
}

/** Image sides must be multiples of this: the VAE's downscale × the transformer's 2×2 patch. */
export function imageSizeMultiple(c: VaeConfig): number {
  return 2 * vaeDownscale(c);
}

interface Shaped { name: string; shape: number[] }

const resnet = (p: string, cin: number, cout: number): Shaped[] => [
  { name: `${p}.norm1.weight`, shape: [cin] }, { name: `${p}.norm1.bias`, shape: [cin] },
  { name: `${p}.conv1.weight`, shape: [cout, cin, 3, 3] }, { name: `${p}.conv1.bias`, shape: [cout] },
  { name: `${p}.norm2.weight`, shape: [cout] }, { name: `${p}.norm2.bias`, shape: [cout] },
  { name: `${p}.conv2.weight`, shape: [cout, cout, 3, 3] }, { name: `${p}.conv2.bias`, shape: [cout] },
  ...(cin !== cout ? [{ name: `${p}.conv_shortcut.weight`, shape: [cout, cin, 1, 1] }, { name: `${p}.conv_shortcut.bias`, shape: [cout] }] : []),
];

const conv = (p: string, cin: number, cout: number, k: number): Shaped[] => [{ name: `${p}.weight`, shape: [cout, cin, k, k] }, { name: `${p}.bias`, shape: [cout] }];
const norm = (p: string, c: number): Shaped[] => [{ name: `${p}.weight`, shape: [c] }, { name: `${p}.bias`, shape: [c] }];

function mid(p: string, c: number): Shaped[] {
  const a = `${p}.mid_block.attentions.0`;
  return [
    ...resnet(`${p}.mid_block.resnets.0`, c, c),
    ...norm(`${a}.group_norm`, c),
    ...['to_q', 'to_k', 'to_v', 'to_out.0'].flatMap((n) => [{ name: `${a}.${n}.weight`, shape: [c, c] }, { name: `${a}.${n}.bias`, shape: [c] }]),
    ...resnet(`${p}.mid_block.resnets.1`, c, c),
  ];
}

/** Encoder weights (diffusers names) with shapes, quant_conv included. */
export function vaeEncoderWeights(c: VaeConfig): Shaped[] {
  const ch = c.blockOutChannels;
  const out: Shaped[] = [...conv('encoder.conv_in', 3, ch[0]!, 3)];
  let cin = ch[0]!;
  ch.forEach((cout, i) => {
    for (let j = 0; j < c.layersPerBlock; j++) {
      out.push(...resnet(`encoder.down_blocks.${i}.resnets.${j}`, cin, cout));
      cin = cout;
    }
    if (i < ch.length - 1) out.push(...conv(`encoder.down_blocks.${i}.downsamplers.0.conv`, cout, cout, 3));
  });
  out.push(...mid('encoder', cin), ...norm('encoder.conv_norm_out', cin), ...conv('encoder.conv_out', cin, 2 * c.latentChannels, 3));
  out.push(...conv('quant_conv', 2 * c.latentChannels, 2 * c.latentChannels, 1));
  return out;
}

/** Decoder weights (diffusers names) with shapes, post_quant_conv included. */
export function vaeDecoderWeights(c: VaeConfig): Shaped[] {
  const rev = [...c.blockOutChannels].reverse();
  const out: Shaped[] = [...conv('post_quant_conv', c.latentChannels, c.latentChannels, 1), ...conv('decoder.conv_in', c.latentChannels, rev[0]!, 3)];
  out.push(...mid('decoder', rev[0]!));
  let cin = rev[0]!;
  rev.forEach((cout, i) => {
    for (let j = 0; j <= c.layersPerBlock; j++) {
      out.push(...resnet(`decoder.up_blocks.${i}.resnets.${j}`, cin, cout));
      cin = cout;
    }
    if (i < rev.length - 1) out.push(...conv(`decoder.up_blocks.${i}.upsamplers.0.conv`, cout, cout, 3));
  });
  out.push(...norm('decoder.conv_norm_out', cin), ...conv('decoder.conv_out', cin, 3, 3));
  return out;
}

export const VAE_STATS = ['bn.running_mean', 'bn.running_var'] as const;

/** BFL's name for a diffusers VAE weight (ae.safetensors layout: decoder levels counted from the top). */
export function bflVaeName(name: string, levels: number): string {
  let n = name
    .replace(/^quant_conv\./, 'encoder.quant_conv.')
    .replace(/^post_quant_conv\./, 'decoder.post_quant_conv.')
    .replace(/\.mid_block\.resnets\.0\./, '.mid.block_1.')
    .replace(/\.mid_block\.resnets\.1\./, '.mid.block_2.')
    .replace(/\.mid_block\.attentions\.0\.group_norm\./, '.mid.attn_1.norm.')
    .replace(/\.mid_block\.attentions\.0\.to_(q|k|v)\./, '.mid.attn_1.$1.')
    .replace(/\.mid_block\.attentions\.0\.to_out\.0\./, '.mid.attn_1.proj_out.')
    .replace(/\.conv_norm_out\./, '.norm_out.')
    .replace(/\.conv_shortcut\./, '.nin_shortcut.')
    .replace(/^encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\./, 'encoder.down.$1.block.$2.')
    .replace(/^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\./, 'encoder.down.$1.downsample.conv.');
  n = n.replace(/^decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\./, (_, i: string, j: string) => `decoder.up.${levels - 1 - Number(i)}.block.${j}.`);
  n = n.replace(/^decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\./, (_, i: string) => `decoder.up.${levels - 1 - Number(i)}.upsample.conv.`);
  return n;
}

/** The VAE's shape from a diffusers vae/config.json; problems pushed, naming the file. */
export function parseVaeConfig(json: unknown, file: string, problems: string[]): VaeConfig | undefined {
  const c = (json ?? {}) as Record<string, unknown>;
  const before = problems.length;
  const ch = c.block_out_channels;
  if (!Array.isArray(ch) || !ch.length || ch.some((v) => !Number.isInteger(v) || v <= 0)) problems.push(`${file}: "block_out_channels" must be a list of channel counts.`);
  const whole = (key: string, fallback: number) => {
    const v = c[key] ?? fallback;
    if (!Number.isInteger(v) || (v as number) <= 0) problems.push(`${file}: "${key}" must be a positive whole number.`);
    return v as number;
  };
  const layersPerBlock = whole('layers_per_block', 2);
  const latentChannels = whole('latent_channels', 32);
  const normGroups = whole('norm_num_groups', 32);
  const eps = c.batch_norm_eps ?? 1e-4;
  if (typeof eps !== 'number' || !(eps >= 0)) problems.push(`${file}: "batch_norm_eps" must be a number ≥ 0.`);
  if (c.use_quant_conv === false || c.use_post_quant_conv === false || c.mid_block_add_attention === false) {
    problems.push(`${file}: this VAE leaves out quant convs or the middle attention; FLUX.2's VAE has them.`);
  }
  if (Array.isArray(c.patch_size) && c.patch_size.join(',') !== '2,2') problems.push(`${file}: patch_size ${JSON.stringify(c.patch_size)} is not FLUX.2's 2×2.`);
  if (problems.length > before) return undefined;
  const config: VaeConfig = { blockOutChannels: ch as number[], layersPerBlock, latentChannels, normGroups, batchNormEps: eps as number };
  const bad = config.blockOutChannels.filter((n) => n % normGroups);
  if (bad.length) problems.push(`${file}: ${bad.join(', ')} channels cannot be split into ${normGroups} groups.`);
  return problems.length > before ? undefined : config;
}

/** BFL ae.safetensors: the shape from tensor shapes (GroupNorm groups and BatchNorm eps are FLUX.2's fixed 32 and 1e-4). */
export function inferBflVaeConfig(shapes: Map<string, number[]>, file: string, problems: string[]): VaeConfig | undefined {
  const levels = new Set<number>();
  let blocks = 0;
  for (const name of shapes.keys()) {
    const m = /^encoder\.down\.(\d+)\.block\.(\d+)\.conv1\.weight$/.exec(name);
    if (m) {
      levels.add(Number(m[1]));
      blocks = Math.max(blocks, Number(m[2]) + 1);
    }
  }
  const out = shapes.get('encoder.conv_out.weight');
  if (!levels.size || !out) {
    problems.push(`${file} holds no FLUX.2 VAE encoder (no encoder.down.*.block.* or encoder.conv_out weights). Is it ae.safetensors?`);
    return undefined;
  }
  const blockOutChannels = [...levels].sort((a, b) => a - b).map((l) => shapes.get(`encoder.down.${l}.block.0.conv1.weight`)![0]!);
  return { blockOutChannels, layersPerBlock: blocks, latentChannels: out[0]! / 2, normGroups: 32, batchNormEps: 1e-4 };
}
