// What a base model is, for the library's list: FLUX.2 variant, base or distilled, parameter counts, precision,
// bytes on disk, and what is missing in words. Files are checked for presence first (a partial download is named
// from its configs); a model with everything present is then opened by the engine (describeFlux2Model), whose
// checks and naming (model-kind.ts) are the ones runs use.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describeFlux2Model, Flux2ModelError } from '../flux2-model/model-files';
import { flux2Kind, type Flux2Kind, type Flux2KindHints, type Flux2Shape, type Flux2Training, type Flux2Variant } from '../flux2-model/model-kind';
import { hasModelManifest, readModelManifest } from './model-manifest';
import { componentWeightFiles, summariseWeightFiles, type WeightSummary } from './weight-files';

export type ModelVariant = Flux2Variant | 'unknown';
export type ModelTraining = Flux2Training;

export interface ModelComponentSummary {
  parameters: number;
  precision: string[];
}

export interface ModelDescription {
  layout: 'diffusers' | 'bfl-files';
  family: 'flux2' | 'unknown';
  variant: ModelVariant;
  training: ModelTraining;
  /** "FLUX.2 [klein] base 4B" */
  label: string;
  /** How images are sampled from it: real CFG, the guidance embedding, or few steps. */
  sampling: string;
  textEncoder: string;
  components: { transformer: ModelComponentSummary; textEncoder: ModelComponentSummary; vae: ModelComponentSummary };
  bytesOnDisk: number;
  complete: boolean;
  /** What stops it from being used, one sentence part each ("the VAE's weights (vae/*.safetensors)"). */
  missing: string[];
}

/** Describe a model folder (diffusers layout) or a model-cache folder holding a BFL-files manifest. */
export function describeModel(dir: string): ModelDescription {
  const described = hasModelManifest(dir) ? describeBflFiles(dir) : describeDiffusersFolder(dir);
  return described.missing.length === 0 ? checkedByEngine(dir, described) : described;
}

/**
 * Everything is there: the engine opens it as a run would (every shard against its index, every tensor's shape,
 * the parts fitting each other) and says what it is. What it refuses makes the model incomplete, in its words.
 */
function checkedByEngine(dir: string, described: ModelDescription): ModelDescription {
  try {
    const engine = describeFlux2Model(dir);
    return { ...described, family: 'flux2', ...kindFields(engine.kind) };
  } catch (error) {
    const problems = error instanceof Flux2ModelError ? error.problems : [(error as Error).message];
    return { ...described, complete: false, missing: problems };
  }
}

function kindFields(kind: Flux2Kind): Pick<ModelDescription, 'variant' | 'training' | 'label' | 'sampling'> {
  return { variant: kind.variant, training: kind.training, label: kind.label, sampling: kind.sampling };
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function component(summary: WeightSummary): ModelComponentSummary {
  return { parameters: summary.parameters, precision: summary.precision };
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      const s = statSync(path); // follows links: a Hugging Face cache snapshot links into its blobs
      total += s.isDirectory() ? folderBytes(path) : s.size;
    } catch {
      // a dangling link holds nothing; the missing-file checks name what matters
    }
  }
  return total;
}

function unfinishedDownloads(dir: string, root: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...unfinishedDownloads(path, root));
    else if (entry.name.endsWith('.incomplete')) found.push(relative(root, path).slice(0, -'.incomplete'.length));
  }
  return found;
}

function textEncoderName(config: Record<string, unknown> | undefined): string {
  const arch = Array.isArray(config?.architectures) ? String(config.architectures[0]) : String(config?.model_type ?? '');
  if (/qwen3/i.test(arch)) return 'Qwen3';
  if (/mistral/i.test(arch)) return 'Mistral 3';
  return arch ? arch : 'unknown';
}

function textFamilyOf(config: Record<string, unknown> | undefined): Flux2KindHints['textFamily'] {
  const name = textEncoderName(config);
  return name === 'Qwen3' ? 'qwen3' : name === 'Mistral 3' ? 'mistral3' : undefined;
}

/** Reads the shape of a FLUX.2 transformer from BFL tensor names (optionally prefixed). */
function shapeFromBflTensors(shapes: Map<string, number[]>): Flux2Shape | undefined {
  let hidden: number | undefined;
  let double = 0;
  let single = 0;
  let guidance = false;
  for (const [name, shape] of shapes) {
    const bare = name.replace(/^(model\.)?diffusion_model\./, '');
    if (bare === 'img_in.weight') hidden = shape[0];
    if (bare.startsWith('guidance_in.')) guidance = true;
    const d = /^double_blocks\.(\d+)\./.exec(bare);
    if (d) double = Math.max(double, Number(d[1]) + 1);
    const s = /^single_blocks\.(\d+)\./.exec(bare);
    if (s) single = Math.max(single, Number(s[1]) + 1);
  }
  return hidden === undefined ? undefined : { hiddenSize: hidden, doubleBlocks: double, singleBlocks: single, guidanceEmbed: guidance };
}

function shapeFromDiffusersConfig(config: Record<string, unknown> | undefined): Flux2Shape | undefined {
  if (!config || typeof config.num_attention_heads !== 'number' || typeof config.attention_head_dim !== 'number') return undefined;
  return {
    hiddenSize: config.num_attention_heads * config.attention_head_dim,
    doubleBlocks: Number(config.num_layers ?? 0),
    singleBlocks: Number(config.num_single_layers ?? 0),
    guidanceEmbed: config.guidance_embeds === true,
  };
}

/** From the configs alone (a partial download): the engine's naming of variants, or "unknown" without a transformer config. */
function classify(shape: Flux2Shape | undefined, hints: Flux2KindHints) {
  if (!shape) return { variant: 'unknown' as const, training: 'unknown' as const, label: 'unknown model', sampling: 'unknown', family: 'unknown' as const };
  return { ...kindFields(flux2Kind(shape, hints)), family: 'flux2' as const };
}

function describeDiffusersFolder(dir: string): ModelDescription {
  const missing: string[] = [];
  const index = readJson(join(dir, 'model_index.json'));
  if (!index) missing.push('model_index.json (this is not a folder in the Hugging Face diffusers layout)');
  const need = (rel: string, words: string) => {
    if (!existsSync(join(dir, rel))) missing.push(`${words} (${rel})`);
  };
  const weights = (sub: string, words: string) => {
    const { files, problems } = componentWeightFiles(join(dir, sub));
    if (files.length === 0 && problems.length === 0) missing.push(`${words} (${sub}/*.safetensors)`);
    const summary = summariseWeightFiles(files, dir);
    missing.push(...problems, ...summary.problems);
    return summary;
  };
  need('transformer/config.json', "the transformer's config");
  const transformer = weights('transformer', "the transformer's weights");
  need('text_encoder/config.json', "the text encoder's config");
  const textEncoder = weights('text_encoder', "the text encoder's weights");
  need('tokenizer/tokenizer.json', 'the tokenizer');
  need('tokenizer/tokenizer_config.json', "the tokenizer's chat template (tokenizer_config.json)");
  need('vae/config.json', "the VAE's config");
  const vae = weights('vae', "the VAE's weights");
  if (existsSync(dir)) missing.push(...unfinishedDownloads(dir, dir).map((f) => `${f}, whose download is unfinished (run "model add" again to resume it)`));

  const shape = shapeFromDiffusersConfig(readJson(join(dir, 'transformer', 'config.json')));
  const textConfig = readJson(join(dir, 'text_encoder', 'config.json'));
  const kind = classify(shape, {
    distilledFlag: typeof index?.is_distilled === 'boolean' ? index.is_distilled : undefined,
    textFamily: textFamilyOf(textConfig),
    names: `${String(index?._name_or_path ?? '')} ${basename(dir)}`,
  });
  return {
    layout: 'diffusers',
    ...kind,
    textEncoder: textEncoderName(textConfig),
    components: { transformer: component(transformer), textEncoder: component(textEncoder), vae: component(vae) },
    bytesOnDisk: existsSync(dir) ? folderBytes(dir) : 0,
    complete: missing.length === 0,
    missing,
  };
}

function describeBflFiles(dir: string): ModelDescription {
  const manifest = readModelManifest(dir);
  const missing: string[] = [];
  const file = (path: string, words: string) => {
    if (!existsSync(path)) {
      missing.push(`${words} (${path})`);
      return summariseWeightFiles([], dir);
    }
    const summary = summariseWeightFiles([path], dir);
    missing.push(...summary.problems);
    return summary;
  };
  const transformer = file(manifest.transformer, 'the transformer file');
  const vae = file(manifest.vae, 'the VAE file');
  const encoderConfig = join(manifest.textEncoder, 'config.json');
  if (!existsSync(encoderConfig)) missing.push(`the text encoder's config (${encoderConfig})`);
  const encoderFiles = componentWeightFiles(manifest.textEncoder);
  if (encoderFiles.files.length === 0 && encoderFiles.problems.length === 0) missing.push(`the text encoder's weights (${join(manifest.textEncoder, '*.safetensors')})`);
  const textEncoder = summariseWeightFiles(encoderFiles.files, manifest.textEncoder);
  missing.push(...encoderFiles.problems, ...textEncoder.problems);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!existsSync(join(manifest.tokenizer, f))) missing.push(`the tokenizer's ${f} (${join(manifest.tokenizer, f)})`);
  }
  const shape = shapeFromBflTensors(transformer.shapes);
  if (existsSync(manifest.transformer) && transformer.problems.length === 0 && !shape) {
    missing.push(`a FLUX.2 transformer in ${manifest.transformer} (it has no img_in.weight tensor)`);
  }
  const kind = classify(shape, { textFamily: textFamilyOf(readJson(encoderConfig)), names: basename(manifest.transformer) });
  const bytes = [manifest.transformer, manifest.vae].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
  return {
    layout: 'bfl-files',
    ...kind,
    textEncoder: textEncoderName(readJson(encoderConfig)),
    components: { transformer: component(transformer), textEncoder: component(textEncoder), vae: component(vae) },
    bytesOnDisk: bytes + (existsSync(manifest.textEncoder) ? folderBytes(manifest.textEncoder) : 0),
    complete: missing.length === 0,
    missing,
  };
}
