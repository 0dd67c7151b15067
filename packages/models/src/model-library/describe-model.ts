// What a base model is, from its configs and safetensors headers alone: FLUX.2 variant, base or distilled,
// parameter counts, precision, bytes on disk, and what is missing in words. This is the model library's own small
// detection; the engine's describeFlux2Model (which also checks every tensor) can take its place.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { hasModelManifest, readModelManifest } from './model-manifest';
import { componentWeightFiles, summariseWeightFiles, type WeightSummary } from './weight-files';

export type ModelVariant = 'dev' | 'klein-4b' | 'klein-9b' | 'custom' | 'unknown';
/** base: undistilled (trains best); distilled: few-step klein; guidance-distilled: dev's guidance embedding. */
export type ModelTraining = 'base' | 'distilled' | 'guidance-distilled' | 'unknown';

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

interface TransformerShape {
  hidden: number;
  double: number;
  single: number;
  guidance: boolean;
}

const KNOWN_SIZES: { variant: Exclude<ModelVariant, 'custom' | 'unknown'>; hidden: number; double: number; single: number }[] = [
  { variant: 'dev', hidden: 6144, double: 8, single: 48 },
  { variant: 'klein-9b', hidden: 4096, double: 8, single: 24 },
  { variant: 'klein-4b', hidden: 3072, double: 5, single: 20 },
];

/** Describe a model folder (diffusers layout) or a model-cache folder holding a BFL-files manifest. */
export function describeModel(dir: string): ModelDescription {
  return hasModelManifest(dir) ? describeBflFiles(dir) : describeDiffusersFolder(dir);
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

/** Reads the shape of a FLUX.2 transformer from BFL tensor names (optionally prefixed). */
function shapeFromBflTensors(shapes: Map<string, number[]>): TransformerShape | undefined {
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
  return hidden === undefined ? undefined : { hidden, double, single, guidance };
}

function shapeFromDiffusersConfig(config: Record<string, unknown> | undefined): TransformerShape | undefined {
  if (!config || typeof config.num_attention_heads !== 'number' || typeof config.attention_head_dim !== 'number') return undefined;
  return {
    hidden: config.num_attention_heads * config.attention_head_dim,
    double: Number(config.num_layers ?? 0),
    single: Number(config.num_single_layers ?? 0),
    guidance: config.guidance_embeds === true,
  };
}

/**
 * Base or distilled: dev is guidance-distilled; klein folders say so in model_index.json (is_distilled);
 * otherwise BFL's names tell ("klein-base" is the undistilled one).
 */
function trainingKind(shape: TransformerShape | undefined, isDistilled: unknown, nameHint: string): ModelTraining {
  if (shape?.guidance) return 'guidance-distilled';
  if (isDistilled === true) return 'distilled';
  if (isDistilled === false) return 'base';
  if (/base/i.test(nameHint)) return 'base';
  if (/klein/i.test(nameHint)) return 'distilled';
  return 'unknown';
}

function classify(shape: TransformerShape | undefined, isDistilled: unknown, nameHint: string) {
  const known = shape && KNOWN_SIZES.find((k) => k.hidden === shape.hidden && k.double === shape.double && k.single === shape.single);
  const variant: ModelVariant = !shape ? 'unknown' : known ? known.variant : 'custom';
  const training = trainingKind(shape, isDistilled, nameHint);
  const size = variant === 'klein-4b' ? '4B' : variant === 'klein-9b' ? '9B' : '';
  const label =
    variant === 'dev' ? 'FLUX.2 [dev]'
    : variant === 'klein-4b' || variant === 'klein-9b' ? `FLUX.2 [klein] ${training === 'base' ? 'base ' : ''}${size}${training === 'distilled' ? ' (distilled)' : ''}`
    : variant === 'custom' ? `FLUX.2-shaped model (hidden ${shape!.hidden}, ${shape!.double} double + ${shape!.single} single blocks)`
    : 'unknown model';
  const sampling =
    training === 'guidance-distilled' ? 'guidance embedding (guidance 4, about 28–50 steps)'
    : training === 'distilled' ? '4 steps without classifier-free guidance'
    : training === 'base' ? 'real classifier-free guidance with an empty negative prompt (scale 4, about 50 steps)'
    : 'unknown';
  return { variant, training, label, sampling, family: shape ? ('flux2' as const) : ('unknown' as const) };
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
  const kind = classify(shape, index?.is_distilled, `${String(index?._name_or_path ?? '')} ${basename(dir)}`);
  return {
    layout: 'diffusers',
    ...kind,
    textEncoder: textEncoderName(readJson(join(dir, 'text_encoder', 'config.json'))),
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
  const kind = classify(shape, undefined, basename(manifest.transformer));
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
