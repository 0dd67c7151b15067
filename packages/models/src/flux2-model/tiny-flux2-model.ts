// Tiny random-weight FLUX.2 models written the way people download real ones, for tests: a diffusers-layout folder
// (model_index.json, sharded transformer/ and text_encoder/ with index files, tokenizer/, vae/) or BFL's single files
// (flux-2-….safetensors, ae.safetensors, a text-encoder folder) with the lora-studio-model.json manifest. The text
// encoders have enough layers for FLUX.2's picks (klein 9/18/27, dev 10/20/30) at tiny widths; the tokenizer is a
// small byte-level BPE with a chat template in the Qwen3 / Mistral style.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensorsFile, type TensorToWrite, SeededRandom } from '@lora-studio/onnx';
import type { Flux2Config } from '../flux2/config';
import { bflToDiffusersWeights, type DenseTensor } from '../flux2/convert-checkpoint';
import { randomFlux2Weights } from '../flux2/random-weights';
import { FLUX2_FILES_FORMAT, FLUX2_MANIFEST } from './model-files';
import { layerWeightShapes, type Flux2TextEncoderConfig } from './text-encoder-config';
import { bflVaeName, vaeDecoderWeights, vaeEncoderWeights, type VaeConfig } from './vae-config';

export type TinyFamily = 'klein' | 'dev';

export const TINY_VAE: VaeConfig = { blockOutChannels: [32, 32], layersPerBlock: 1, latentChannels: 4, normGroups: 32, batchNormEps: 1e-4 };

export function tinyTextEncoderConfig(family: TinyFamily): Flux2TextEncoderConfig {
  return family === 'klein'
    ? { family: 'qwen3', architecture: 'Qwen3ForCausalLM', hiddenSize: 8, layers: 28, heads: 2, kvHeads: 1, headDim: 4, intermediateSize: 12, vocabSize: 272, rmsEps: 1e-6, ropeTheta: 1_000_000, qkNorm: true, picks: [9, 18, 27] }
    : { family: 'mistral3', architecture: 'Mistral3ForConditionalGeneration', hiddenSize: 8, layers: 30, heads: 2, kvHeads: 1, headDim: 4, intermediateSize: 12, vocabSize: 272, rmsEps: 1e-5, ropeTheta: 1_000_000_000, qkNorm: false, picks: [10, 20, 30] };
}

export function tinyTransformerConfig(family: TinyFamily): Flux2Config {
  return {
    hiddenSize: 32, numHeads: 2, headDim: 16, numDoubleBlocks: 1, numSingleBlocks: 1, mlpRatio: 2, contextDim: 24,
    inChannels: 16, outChannels: 16, ropeAxesDims: [4, 4, 4, 4], ropeTheta: 2000, guidanceEmbed: family === 'dev', eps: 1e-6, timestepDim: 32,
  };
}

// ---- tokenizer: byte b is token id b; five merges; added tokens after them (ids 261–266) ----

/** GPT-2's reversible byte → printable character table (the byte-level alphabet). */
export function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : next++));
}

export const TINY_MERGES = ['c a', 'ca t', 'Ġ cat', 'o g', 'Ġ d'];
export const TINY_ADDED = { '<|endoftext|>': 261, '<|im_start|>': 262, '<|im_end|>': 263, '<think>': 264, '</think>': 265, '<s>': 266, '[INST]': 267, '[/INST]': 268, '[SYSTEM_PROMPT]': 269, '[/SYSTEM_PROMPT]': 270 } as const;

const QWEN3_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}";

const MISTRAL_TEMPLATE =
  "{{- bos_token }}{%- for message in messages %}{%- if message.role == 'system' %}{{- '[SYSTEM_PROMPT]' + message.content[0].text + '[/SYSTEM_PROMPT]' }}" +
  "{%- elif message.role == 'user' %}{{- '[INST]' + message.content[0].text + '[/INST]' }}{%- endif %}{%- endfor %}";

export function writeTinyTokenizer(dir: string, family: TinyFamily): void {
  mkdirSync(dir, { recursive: true });
  const vocab: Record<string, number> = {};
  byteLevelAlphabet().forEach((ch, b) => (vocab[ch] = b));
  TINY_MERGES.forEach((m, i) => (vocab[m.replace(' ', '')] = 256 + i));
  const added = Object.entries(TINY_ADDED).map(([content, id]) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: !['<think>', '</think>'].includes(content),
  }));
  const tokenizer = {
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: TINY_MERGES },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const config = family === 'klein'
    ? { tokenizer_class: 'Qwen2Tokenizer', pad_token: '<|endoftext|>', eos_token: '<|im_end|>', chat_template: QWEN3_TEMPLATE }
    : { tokenizer_class: 'LlamaTokenizerFast', bos_token: '<s>', pad_token: '<|endoftext|>', eos_token: '<|im_end|>' };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  // Newer Mistral downloads keep the template beside the tokenizer.
  if (family === 'dev') writeFileSync(join(dir, 'chat_template.jinja'), MISTRAL_TEMPLATE);
}

// ---- weights ----

const bytes = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
const f32 = (shape: number[], data: Float32Array): TensorToWrite => ({ dtype: 'F32', shape, data: bytes(data) });

function randomTensor(rng: SeededRandom, shape: number[], kind: 'gain' | 'bias' | 'matrix'): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (kind === 'gain') rng.fillUniform(data, 0.8, 1.2);
  else if (kind === 'bias') rng.fillUniform(data, -0.1, 0.1);
  else {
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    rng.fillUniform(data, -1.5 / Math.sqrt(fanIn), 1.5 / Math.sqrt(fanIn));
  }
  return data;
}

/** Writes tensors as `count` shards named like the hub's, with the *.safetensors.index.json that lists them. */
export function writeSharded(dir: string, stem: string, tensors: Record<string, TensorToWrite>, count: number): void {
  mkdirSync(dir, { recursive: true });
  const names = Object.keys(tensors).sort();
  const per = Math.ceil(names.length / count);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < count; s++) {
    const file = `${stem}-${String(s + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
    const part = names.slice(s * per, (s + 1) * per);
    writeSafetensorsFile(join(dir, file), Object.fromEntries(part.map((n) => [n, tensors[n]!])));
    for (const n of part) weightMap[n] = file;
  }
  writeFileSync(join(dir, `${stem}.safetensors.index.json`), JSON.stringify({ metadata: {}, weight_map: weightMap }));
}

export function tinyTextEncoderTensors(c: Flux2TextEncoderConfig, seed: number, prefix: string): Record<string, TensorToWrite> {
  const rng = new SeededRandom(seed);
  const out: Record<string, TensorToWrite> = {};
  const put = (name: string, shape: number[]) => {
    const kind = name.endsWith('norm.weight') ? 'gain' : 'matrix';
    out[`${prefix}${name}`] = f32(shape, kind === 'matrix' && name === 'embed_tokens.weight' ? rng.fillUniform(new Float32Array(shape[0]! * shape[1]!), -1, 1) as Float32Array : randomTensor(rng, shape, kind));
  };
  put('embed_tokens.weight', [c.vocabSize, c.hiddenSize]);
  // Every layer of the model is written (a real download has them all); the graph reads only up to the last pick.
  for (let i = 0; i < c.layers; i++) for (const [n, s] of layerWeightShapes(c, i)) put(n, s);
  put('norm.weight', [c.hiddenSize]);
  return out;
}

export function tinyVaeTensors(c: VaeConfig, seed: number, naming: 'diffusers' | 'bfl'): Record<string, TensorToWrite> {
  const rng = new SeededRandom(seed);
  const out: Record<string, TensorToWrite> = {};
  const levels = c.blockOutChannels.length;
  for (const w of [...vaeEncoderWeights(c), ...vaeDecoderWeights(c)]) {
    const kind = /norm/.test(w.name) && w.name.endsWith('.weight') ? 'gain' : w.name.endsWith('.bias') ? 'bias' : 'matrix';
    // BFL keeps the middle attention's projections as 1×1 convolutions.
    const shape = naming === 'bfl' && /attentions\.0\.to_/.test(w.name) && w.shape.length === 2 ? [...w.shape, 1, 1] : w.shape;
    out[naming === 'bfl' ? bflVaeName(w.name, levels) : w.name] = f32(shape, randomTensor(rng, w.shape, kind));
  }
  const n = 4 * c.latentChannels;
  out['bn.running_mean'] = f32([n], rng.fillUniform(new Float32Array(n), -0.2, 0.2) as Float32Array);
  out['bn.running_var'] = f32([n], rng.fillUniform(new Float32Array(n), 0.5, 1.5) as Float32Array);
  return out;
}

function transformerTensors(c: Flux2Config, seed: number, naming: 'diffusers' | 'bfl'): Record<string, TensorToWrite> {
  const bfl = randomFlux2Weights(c, seed);
  const named: Record<string, DenseTensor> = naming === 'bfl' ? bfl : bflToDiffusersWeights(bfl);
  return Object.fromEntries(Object.entries(named).map(([k, v]) => [k, f32(v.shape, v.data)]));
}

function textEncoderConfigJson(c: Flux2TextEncoderConfig): Record<string, unknown> {
  const core = {
    hidden_size: c.hiddenSize, num_hidden_layers: c.layers, num_attention_heads: c.heads, num_key_value_heads: c.kvHeads, head_dim: c.headDim,
    intermediate_size: c.intermediateSize, vocab_size: c.vocabSize, rms_norm_eps: c.rmsEps, rope_theta: c.ropeTheta, rope_scaling: null,
    attention_bias: false, torch_dtype: 'float32',
  };
  return c.family === 'qwen3'
    ? { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...core }
    : { architectures: ['Mistral3ForConditionalGeneration'], model_type: 'mistral3', text_config: { model_type: 'mistral', ...core }, vision_config: { model_type: 'pixtral' } };
}

export interface TinyFlux2Model {
  /** What to pass as --base / --model: the folder (diffusers) or the manifest file (BFL files). */
  path: string;
  family: TinyFamily;
  text: Flux2TextEncoderConfig;
  vae: VaeConfig;
  transformer: Flux2Config;
}

/** A diffusers-layout folder as the hub serves FLUX.2 (sharded transformer and text encoder). */
export function writeTinyFlux2Diffusers(dir: string, family: TinyFamily, options: { seed?: number; distilled?: boolean } = {}): TinyFlux2Model {
  const seed = options.seed ?? 1;
  const text = tinyTextEncoderConfig(family);
  const transformer = tinyTransformerConfig(family);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model_index.json'), JSON.stringify({
    _class_name: family === 'klein' ? 'Flux2KleinPipeline' : 'Flux2Pipeline', _diffusers_version: '0.36.0',
    ...(family === 'klein' ? { is_distilled: options.distilled ?? false } : {}),
    scheduler: ['diffusers', 'FlowMatchEulerDiscreteScheduler'], text_encoder: ['transformers', text.architecture],
    tokenizer: ['transformers', 'Qwen2TokenizerFast'], transformer: ['diffusers', 'Flux2Transformer2DModel'], vae: ['diffusers', 'AutoencoderKLFlux2'],
  }));
  writeSharded(join(dir, 'transformer'), 'diffusion_pytorch_model', transformerTensors(transformer, seed, 'diffusers'), 2);
  writeFileSync(join(dir, 'transformer', 'config.json'), JSON.stringify({
    _class_name: 'Flux2Transformer2DModel', num_attention_heads: transformer.numHeads, attention_head_dim: transformer.headDim,
    num_layers: transformer.numDoubleBlocks, num_single_layers: transformer.numSingleBlocks, in_channels: transformer.inChannels,
    joint_attention_dim: transformer.contextDim, guidance_embeds: transformer.guidanceEmbed,
  }));
  writeSharded(join(dir, 'text_encoder'), 'model', tinyTextEncoderTensors(text, seed + 1, family === 'klein' ? 'model.' : 'model.language_model.'), 2);
  writeFileSync(join(dir, 'text_encoder', 'config.json'), JSON.stringify(textEncoderConfigJson(text)));
  writeTinyTokenizer(join(dir, 'tokenizer'), family);
  mkdirSync(join(dir, 'vae'), { recursive: true });
  writeSafetensorsFile(join(dir, 'vae', 'diffusion_pytorch_model.safetensors'), tinyVaeTensors(TINY_VAE, seed + 2, 'diffusers'));
  writeFileSync(join(dir, 'vae', 'config.json'), JSON.stringify({
    _class_name: 'AutoencoderKLFlux2', block_out_channels: TINY_VAE.blockOutChannels, layers_per_block: TINY_VAE.layersPerBlock,
    latent_channels: TINY_VAE.latentChannels, norm_num_groups: TINY_VAE.normGroups, batch_norm_eps: TINY_VAE.batchNormEps, patch_size: [2, 2],
  }));
  return { path: dir, family, text, vae: TINY_VAE, transformer };
}

/** BFL's single files (flux-2-klein-base-….safetensors, ae.safetensors) + a text-encoder folder, and the manifest. */
export function writeTinyFlux2BflFiles(dir: string, family: TinyFamily, options: { seed?: number } = {}): TinyFlux2Model {
  const seed = options.seed ?? 1;
  const text = tinyTextEncoderConfig(family);
  const transformer = tinyTransformerConfig(family);
  mkdirSync(dir, { recursive: true });
  const file = family === 'klein' ? 'flux-2-klein-base-tiny.safetensors' : 'flux2-dev-tiny.safetensors';
  writeSafetensorsFile(join(dir, file), transformerTensors(transformer, seed, 'bfl'));
  writeSafetensorsFile(join(dir, 'ae.safetensors'), tinyVaeTensors(TINY_VAE, seed + 2, 'bfl'));
  const te = join(dir, 'text-encoder');
  mkdirSync(te, { recursive: true });
  writeSafetensorsFile(join(te, 'model.safetensors'), tinyTextEncoderTensors(text, seed + 1, family === 'klein' ? 'model.' : 'language_model.model.'));
  writeFileSync(join(te, 'config.json'), JSON.stringify(textEncoderConfigJson(text)));
  writeTinyTokenizer(te, family);
  const manifest = join(dir, FLUX2_MANIFEST);
  writeFileSync(manifest, JSON.stringify({ format: FLUX2_FILES_FORMAT, name: `tiny-${family}-bfl`, transformer: file, vae: 'ae.safetensors', textEncoder: 'text-encoder', tokenizer: 'text-encoder' }));
  return { path: manifest, family, text, vae: TINY_VAE, transformer };
}
