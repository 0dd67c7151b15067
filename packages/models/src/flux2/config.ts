// FLUX.2 transformer hyper-parameters and the named presets (docs/flux2.md §Transformer).

export interface Flux2Config {
  /** Hidden size D = heads × headDim. */
  hiddenSize: number;
  numHeads: number;
  headDim: number;
  numDoubleBlocks: number;
  numSingleBlocks: number;
  /** SwiGLU hidden size M = mlpRatio × D. */
  mlpRatio: number;
  /** Width of the text-encoder features fed to txt_in. */
  contextDim: number;
  inChannels: number;
  outChannels: number;
  /** Dims per RoPE axis (t, h, w, l); they sum to headDim. */
  ropeAxesDims: [number, number, number, number];
  ropeTheta: number;
  /** Guidance-distilled models (dev) embed the guidance scale like the timestep. */
  guidanceEmbed: boolean;
  eps: number;
  /** Width of the sinusoidal timestep embedding. */
  timestepDim: number;
}

const FLUX2_COMMON = {
  inChannels: 128, outChannels: 128, ropeAxesDims: [32, 32, 32, 32], ropeTheta: 2000,
  mlpRatio: 3, eps: 1e-6, timestepDim: 256, headDim: 128,
} as const;

export const FLUX2_PRESETS = {
  'flux2-dev': { ...FLUX2_COMMON, ropeAxesDims: [32, 32, 32, 32], hiddenSize: 6144, numHeads: 48, numDoubleBlocks: 8, numSingleBlocks: 48, contextDim: 15360, guidanceEmbed: true },
  'flux2-klein-9b': { ...FLUX2_COMMON, ropeAxesDims: [32, 32, 32, 32], hiddenSize: 4096, numHeads: 32, numDoubleBlocks: 8, numSingleBlocks: 24, contextDim: 12288, guidanceEmbed: false },
  'flux2-klein-4b': { ...FLUX2_COMMON, ropeAxesDims: [32, 32, 32, 32], hiddenSize: 3072, numHeads: 24, numDoubleBlocks: 5, numSingleBlocks: 20, contextDim: 7680, guidanceEmbed: false },
  // Two blocks of each kind: the config for gradient checks and format tests.
  'flux2-toy': {
    hiddenSize: 64, numHeads: 4, headDim: 16, numDoubleBlocks: 2, numSingleBlocks: 2, mlpRatio: 3, contextDim: 32,
    inChannels: 16, outChannels: 16, ropeAxesDims: [4, 4, 4, 4], ropeTheta: 2000, guidanceEmbed: false, eps: 1e-6, timestepDim: 32,
  },
  // The embedded default model: pretrainable and LoRA-trainable on a 2-core CPU (≈6.5M parameters).
  // 48 input channels = a fixed 4×4 pixel patchify of RGB (no VAE); context 256 from the small bundled text encoder.
  'flux2-tiny-default': {
    hiddenSize: 192, numHeads: 6, headDim: 32, numDoubleBlocks: 3, numSingleBlocks: 6, mlpRatio: 3, contextDim: 256,
    inChannels: 48, outChannels: 48, ropeAxesDims: [8, 8, 8, 8], ropeTheta: 2000, guidanceEmbed: false, eps: 1e-6, timestepDim: 128,
  },
} satisfies Record<string, Flux2Config>;

export type Flux2PresetName = keyof typeof FLUX2_PRESETS;

export function flux2Preset(name: string): Flux2Config {
  if (!Object.hasOwn(FLUX2_PRESETS, name)) {
    throw new Error(`Unknown model preset "${name}". Known presets: ${Object.keys(FLUX2_PRESETS).join(', ')}.`);
  }
  const p = FLUX2_PRESETS[name as Flux2PresetName];
  return { ...p, ropeAxesDims: [...p.ropeAxesDims] as Flux2Config['ropeAxesDims'] };
}

export function mlpHidden(c: Flux2Config): number {
  return Math.round(c.hiddenSize * c.mlpRatio);
}

/** Throw a readable error when the numbers cannot describe a working FLUX.2 transformer. */
export function validateFlux2Config(c: Flux2Config): Flux2Config {
  const problems: string[] = [];
  const positiveInts: (keyof Flux2Config)[] = ['hiddenSize', 'numHeads', 'headDim', 'contextDim', 'inChannels', 'outChannels', 'timestepDim'];
  for (const k of positiveInts) if (!Number.isInteger(c[k]) || (c[k] as number) <= 0) problems.push(`${k} must be a positive integer (got ${c[k]})`);
  for (const k of ['numDoubleBlocks', 'numSingleBlocks'] as const) if (!Number.isInteger(c[k]) || c[k] < 0) problems.push(`${k} must be a non-negative integer (got ${c[k]})`);
  if (c.numHeads * c.headDim !== c.hiddenSize) problems.push(`numHeads × headDim (${c.numHeads} × ${c.headDim}) must equal hiddenSize ${c.hiddenSize}`);
  if (!Number.isInteger(c.hiddenSize * c.mlpRatio)) problems.push(`hiddenSize × mlpRatio must be an integer (got ${c.hiddenSize * c.mlpRatio})`);
  if (!Array.isArray(c.ropeAxesDims) || c.ropeAxesDims.length !== 4 || c.ropeAxesDims.some((d) => !Number.isInteger(d) || d <= 0 || d % 2 !== 0)) {
    problems.push(`ropeAxesDims must be four positive even integers (got ${JSON.stringify(c.ropeAxesDims)})`);
  } else if (c.ropeAxesDims.reduce((a, b) => a + b, 0) !== c.headDim) {
    problems.push(`ropeAxesDims must sum to headDim ${c.headDim} (got ${c.ropeAxesDims.join('+')})`);
  }
  if (c.timestepDim % 2 !== 0) problems.push(`timestepDim must be even (got ${c.timestepDim})`);
  if (!(c.ropeTheta > 0)) problems.push(`ropeTheta must be positive`);
  if (!(c.eps > 0)) problems.push(`eps must be positive`);
  if (problems.length) throw new Error(`Invalid FLUX.2 config: ${problems.join('; ')}.`);
  return c;
}

/** Accept a partial JSON config on top of a preset (or of flux2-toy when none is named). */
export function parseFlux2Config(json: unknown): Flux2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('A model config must be a JSON object.');
  const { preset, ...rest } = json as Record<string, unknown>;
  const base = typeof preset === 'string' ? flux2Preset(preset) : undefined;
  const known = new Set(Object.keys(FLUX2_PRESETS['flux2-toy']));
  const unknown = Object.keys(rest).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`Unknown model config keys: ${unknown.join(', ')}. Known keys: preset, ${[...known].join(', ')}.`);
  if (!base) {
    const missing = [...known].filter((k) => !(k in rest));
    if (missing.length) throw new Error(`Model config lacks ${missing.join(', ')}; give them or name a "preset" to start from.`);
  }
  return validateFlux2Config({ ...base, ...rest } as Flux2Config);
}
