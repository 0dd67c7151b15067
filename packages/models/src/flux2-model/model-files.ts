// A real FLUX.2 model as people download it, checked completely before anything runs:
//   - a folder in the Hugging Face diffusers layout (model_index.json, transformer/, text_encoder/, tokenizer/, vae/);
//   - or a `lora-studio-model.json` manifest naming BFL's single files (the library writes it for `model add
//     --transformer … --vae ae.safetensors --text-encoder DIR`; paths may be relative to the manifest's folder).
// Every problem (missing files or shards, shards that do not match their index, wrong shapes, unknown
// architectures, truncated downloads, parts that do not fit together) is collected into one Flux2ModelError.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openFlux2Checkpoint, type Flux2Checkpoint } from '../flux2/checkpoint';
import { flux2ParameterCount } from '../flux2/weights';
import { flux2Kind, type Flux2Kind } from './model-kind';
import { contextWidth, parseTextEncoderConfig, TEXT_ENCODER_PREFIXES, textEncoderWeightShapes, type Flux2TextEncoderConfig } from './text-encoder-config';
import { openTensorStore, precisionOf, type StoredTensor, type TensorStore } from './tensor-store';
import { bflVaeName, inferBflVaeConfig, parseVaeConfig, VAE_STATS, vaeDecoderWeights, vaeEncoderWeights, type VaeConfig, type VaeNaming } from './vae-config';
import { InvalidInputError } from '@lora-studio/api';

export const FLUX2_FILES_FORMAT = 'lora-studio-flux2-files';
export const FLUX2_MANIFEST = 'lora-studio-model.json';

/** A download that cannot be used, with every problem found: the user's files to fix, answered as invalid input. */
export class Flux2ModelError extends InvalidInputError {
  override name = 'Flux2ModelError';
  constructor(readonly path: string, readonly problems: string[]) {
    super(`The FLUX.2 model at ${path} cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { problems });
  }
}

export interface Flux2ModelPaths {
  layout: 'diffusers' | 'bfl-files';
  /** The folder or manifest file the user named. */
  source: string;
  name: string;
  transformer: string;
  textEncoder: string;
  tokenizer: string;
  vae: string;
}

export interface Flux2ModelFiles {
  paths: Flux2ModelPaths;
  checkpoint: Flux2Checkpoint;
  transformerStore: TensorStore;
  textEncoder: { config: Flux2TextEncoderConfig; store: TensorStore; weight(name: string): StoredTensor };
  vae: { config: VaeConfig; naming: VaeNaming; store: TensorStore; weight(name: string): StoredTensor; mean: StoredTensor; variance: StoredTensor };
  /** model_index.json's is_distilled, when the download says. */
  distilledFlag?: boolean;
  close(): void;
}

/** True when `path` is a manifest, a folder holding one, or a diffusers-layout folder. */
export function isFlux2ModelPath(path: string): boolean {
  try {
    if (statSync(path).isFile()) return basename(path) === FLUX2_MANIFEST || readManifestFormat(path) === FLUX2_FILES_FORMAT;
    return existsSync(join(path, FLUX2_MANIFEST)) || existsSync(join(path, 'model_index.json'));
  } catch {
    return false;
  }
}

function readManifestFormat(path: string): unknown {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format;
  } catch {
    return undefined;
  }
}

const readJson = (path: string, problems: string[]): Record<string, unknown> | undefined => {
  if (!existsSync(path)) {
    problems.push(`${path} is missing.`);
    return undefined;
  }
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${path} is not a JSON object.`);
  } catch (e) {
    problems.push(`${path} is not valid JSON (${(e as Error).message}); download it again.`);
  }
  return undefined;
};

/** Where each part is; throws Flux2ModelError when the layout itself is wrong. */
export function locateFlux2Model(pathIn: string): Flux2ModelPaths {
  const path = resolve(pathIn);
  const problems: string[] = [];
  if (!existsSync(path)) throw new Flux2ModelError(path, [`${path} does not exist. Give a diffusers-layout model folder or a ${FLUX2_MANIFEST}.`]);
  const manifestPath = statSync(path).isFile() ? path : join(path, FLUX2_MANIFEST);
  if (existsSync(manifestPath)) {
    const m = readJson(manifestPath, problems);
    if (!m) throw new Flux2ModelError(path, problems);
    if (m.format !== FLUX2_FILES_FORMAT) throw new Flux2ModelError(path, [`${manifestPath} must have "format": "${FLUX2_FILES_FORMAT}".`]);
    const base = dirname(manifestPath);
    const part = (key: string, what: string) => {
      const v = m[key];
      if (typeof v !== 'string' || !v) {
        problems.push(`${manifestPath} lacks "${key}" (${what}).`);
        return '';
      }
      return resolve(base, v);
    };
    const paths: Flux2ModelPaths = {
      layout: 'bfl-files', source: manifestPath,
      name: typeof m.name === 'string' && m.name ? m.name : basename(base),
      transformer: part('transformer', 'the flux-2-….safetensors transformer file'),
      vae: part('vae', 'ae.safetensors'),
      textEncoder: part('textEncoder', 'the folder with the text encoder config.json and safetensors'),
      tokenizer: part('tokenizer', 'the folder with tokenizer.json and tokenizer_config.json'),
    };
    if (problems.length) throw new Flux2ModelError(path, problems);
    return paths;
  }
  if (!existsSync(join(path, 'model_index.json'))) {
    throw new Flux2ModelError(path, [`${path} is neither a diffusers-layout model folder (no model_index.json) nor holds a ${FLUX2_MANIFEST}.`]);
  }
  return {
    layout: 'diffusers', source: path, name: basename(path),
    transformer: join(path, 'transformer'), textEncoder: join(path, 'text_encoder'), tokenizer: join(path, 'tokenizer'), vae: join(path, 'vae'),
  };
}

function shapeProblems(what: string, expected: Map<string, number[]>, find: (name: string) => StoredTensor | undefined, displayName: (name: string) => string, problems: string[], allowFlat = false): void {
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const [name, shape] of expected) {
    const t = find(name);
    if (!t) missing.push(displayName(name));
    else if (t.shape.join(',') !== shape.join(',') && !(allowFlat && t.shape.reduce((a, b) => a * b, 1) === shape.reduce((a, b) => a * b, 1))) {
      wrong.push(`${displayName(name)} is [${t.shape}], expected [${shape}]`);
    }
  }
  const list = (xs: string[]) => xs.slice(0, 6).join(', ') + (xs.length > 6 ? ` … (${xs.length} in all)` : '');
  if (missing.length) problems.push(`${what} lacks ${list(missing)}.`);
  if (wrong.length) problems.push(`${what} has wrong shapes: ${list(wrong)}.`);
}

/** Opens and checks every part; throws Flux2ModelError listing all problems. */
export function openFlux2ModelFiles(pathIn: string): Flux2ModelFiles {
  const paths = locateFlux2Model(pathIn);
  const problems: string[] = [];
  const opened: TensorStore[] = [];
  let checkpoint: Flux2Checkpoint | undefined;
  let distilledFlag: boolean | undefined;
  try {
    if (paths.layout === 'diffusers') {
      const index = readJson(join(paths.source, 'model_index.json'), problems);
      if (typeof index?.is_distilled === 'boolean') distilledFlag = index.is_distilled;
      for (const dir of [paths.transformer, paths.textEncoder, paths.tokenizer, paths.vae]) {
        if (!existsSync(dir)) problems.push(`${dir} is missing; a diffusers download has transformer/, text_encoder/, tokenizer/ and vae/.`);
      }
    }
    // Transformer: shards checked against their index, then the FLUX.2 names and shapes.
    const transformerStore = existsSync(paths.transformer) ? openTensorStore(paths.transformer, 'the transformer', problems) : undefined;
    if (transformerStore) {
      opened.push(transformerStore);
      try {
        checkpoint = openFlux2Checkpoint(transformerStore.files.map((f) => f.path));
      } catch (e) {
        problems.push(`the transformer ${paths.transformer}: ${(e as Error).message}`);
      }
    }
    // Text encoder: config.json, the language model's weights for the layers FLUX.2 reads.
    let text: Flux2ModelFiles['textEncoder'] | undefined;
    const teConfigPath = join(paths.textEncoder, 'config.json');
    const teJson = existsSync(paths.textEncoder) ? readJson(teConfigPath, problems) : undefined;
    const teConfig = teJson ? parseTextEncoderConfig(teJson, teConfigPath, problems) : undefined;
    const teStore = existsSync(paths.textEncoder) ? openTensorStore(paths.textEncoder, 'the text encoder', problems) : undefined;
    if (teStore) opened.push(teStore);
    if (teConfig && teStore) {
      const prefix = TEXT_ENCODER_PREFIXES.find((p) => teStore.tensors.has(`${p}layers.0.self_attn.q_proj.weight`));
      if (prefix === undefined) {
        problems.push(`the text encoder in ${paths.textEncoder} has no decoder layers (no model.layers.0.self_attn.q_proj.weight or similar); is it a ${teConfig.architecture} checkpoint?`);
      } else {
        const find = (name: string) => teStore.tensors.get(`${prefix}${name}`);
        shapeProblems(`the text encoder in ${paths.textEncoder}`, textEncoderWeightShapes(teConfig), find, (n) => `${prefix}${n}`, problems);
        text = {
          config: teConfig, store: teStore,
          weight: (name) => {
            const t = find(name);
            if (!t) throw new Error(`The text encoder has no weight ${prefix}${name}.`);
            return t;
          },
        };
      }
    }
    // VAE: diffusers names with vae/config.json, or BFL's ae.safetensors with the shape read from its tensors.
    let vae: Flux2ModelFiles['vae'] | undefined;
    const vaeStore = existsSync(paths.vae) ? openTensorStore(paths.vae, 'the VAE', problems) : undefined;
    if (vaeStore) {
      opened.push(vaeStore);
      const naming: VaeNaming = vaeStore.tensors.has('encoder.conv_in.weight') && vaeStore.tensors.has('encoder.down.0.block.0.conv1.weight') ? 'bfl' : 'diffusers';
      let config: VaeConfig | undefined;
      if (naming === 'diffusers') {
        const configPath = statSync(paths.vae).isDirectory() ? join(paths.vae, 'config.json') : join(dirname(paths.vae), 'config.json');
        const json = readJson(configPath, problems);
        config = json ? parseVaeConfig(json, configPath, problems) : undefined;
      } else {
        config = inferBflVaeConfig(new Map([...vaeStore.tensors].map(([n, t]) => [n, t.shape])), paths.vae, problems);
      }
      if (config) {
        const levels = config.blockOutChannels.length;
        const stored = (name: string) => vaeStore.tensors.get(naming === 'bfl' ? bflVaeName(name, levels) : name);
        const expected = new Map([...vaeEncoderWeights(config), ...vaeDecoderWeights(config)].map((w) => [w.name, w.shape]));
        for (const s of VAE_STATS) expected.set(s, [4 * config.latentChannels]);
        // BFL keeps the attention projections as 1×1 convs: same values, [C, C, 1, 1].
        shapeProblems(`the VAE ${paths.vae}`, expected, stored, (n) => (naming === 'bfl' ? bflVaeName(n, levels) : n), problems, naming === 'bfl');
        const mean = stored('bn.running_mean');
        const variance = stored('bn.running_var');
        if (mean && variance) {
          vae = {
            config, naming, store: vaeStore, mean, variance,
            weight: (name) => {
              const t = stored(name);
              if (!t) throw new Error(`The VAE has no weight ${name}.`);
              return t;
            },
          };
        }
      }
    }
    // Tokenizer files (opened for real by the prompt tokenizer; here only their presence).
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
      if (existsSync(paths.tokenizer) && !existsSync(join(paths.tokenizer, f))) problems.push(`${join(paths.tokenizer, f)} is missing.`);
    }
    // The parts must fit each other.
    if (checkpoint && text && contextWidth(text.config) !== checkpoint.config.contextDim) {
      problems.push(`the text encoder gives ${contextWidth(text.config)} features per token (${text.config.picks.length} × ${text.config.hiddenSize}), but the transformer's txt_in takes ${checkpoint.config.contextDim}: they are from different models.`);
    }
    if (checkpoint && vae && 4 * vae.config.latentChannels !== checkpoint.config.inChannels) {
      problems.push(`the VAE makes ${vae.config.latentChannels}-channel latents (${4 * vae.config.latentChannels} per 2×2 patch), but the transformer takes ${checkpoint.config.inChannels} channels: they are from different models.`);
    }
    if (problems.length || !checkpoint || !text || !vae || !transformerStore) {
      if (!problems.length) problems.push('some parts could not be read.');
      throw new Flux2ModelError(paths.source, problems);
    }
    const cp = checkpoint;
    return {
      paths, checkpoint: cp, transformerStore, textEncoder: text, vae, distilledFlag,
      close: () => {
        cp.close();
        for (const s of opened) s.close();
      },
    };
  } catch (error) {
    checkpoint?.close();
    for (const s of opened) s.close();
    throw error;
  }
}

export interface Flux2ModelDescription {
  name: string;
  path: string;
  layout: 'diffusers' | 'bfl-files';
  family: 'klein' | 'dev';
  /** "4B", "9B" for klein, "32B" for dev; "custom" for sizes FLUX.2 does not publish (tests). */
  variant: string;
  /** Undistilled base checkpoint (trains best) vs a step-distilled one (for inference). */
  base: boolean;
  /** The guidance scale is an input of the transformer (dev). */
  guidanceDistilled: boolean;
  /** modelspec.architecture of LoRAs trained on it, e.g. "Flux.2-klein-4b/lora". */
  architecture: string;
  /** Variant, base or distilled, label and sampling defaults (the same words the model library shows). */
  kind: Flux2Kind;
  textEncoder: string;
  parameters: { transformer: number; textEncoder: number; vae: number };
  bytes: number;
  precision: { transformer: string; textEncoder: string; vae: string };
}

/** What a model is, from its configs and tensor shapes (opens headers only). Throws Flux2ModelError. */
export function describeFlux2Model(path: string): Flux2ModelDescription {
  const files = openFlux2ModelFiles(path);
  try {
    return describeOpenModel(files);
  } finally {
    files.close();
  }
}

export function describeOpenModel(files: Flux2ModelFiles): Flux2ModelDescription {
  const c = files.checkpoint.config;
  const family = files.textEncoder.config.family === 'qwen3' ? 'klein' : 'dev';
  const variant = family === 'dev' ? (c.hiddenSize === 6144 ? '32B' : 'custom') : c.hiddenSize === 3072 ? '4B' : c.hiddenSize === 4096 ? '9B' : 'custom';
  const kind = flux2Kind(
    { hiddenSize: c.hiddenSize, doubleBlocks: c.numDoubleBlocks, singleBlocks: c.numSingleBlocks, guidanceEmbed: c.guidanceEmbed },
    { distilledFlag: files.distilledFlag, textFamily: files.textEncoder.config.family, names: `${files.paths.name} ${basename(files.paths.transformer)}` },
  );
  const base = family === 'klein' && kind.training === 'base';
  const count = (s: TensorStore) => [...s.tensors.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  return {
    name: files.paths.name, path: files.paths.source, layout: files.paths.layout, family, variant, base,
    guidanceDistilled: c.guidanceEmbed,
    architecture: kind.architecture,
    kind,
    textEncoder: files.textEncoder.config.architecture,
    parameters: { transformer: flux2ParameterCount(c), textEncoder: count(files.textEncoder.store), vae: count(files.vae.store) },
    bytes: files.transformerStore.bytes + files.textEncoder.store.bytes + files.vae.store.bytes,
    precision: { transformer: precisionOf([files.transformerStore]), textEncoder: precisionOf([files.textEncoder.store]), vae: precisionOf([files.vae.store]) },
  };
}
