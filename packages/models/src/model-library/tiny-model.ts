// Tiny FLUX.2-shaped models on disk for tests of the model library, the CLI and the studio: real configs and real
// safetensors files a few hundred bytes long (random values: only headers are read when a model is added).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensorsFile, type TensorToWrite } from '@lora-studio/onnx';

function tensor(dtype: 'BF16' | 'F32', shape: number[], seed: number): TensorToWrite {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(count * (dtype === 'F32' ? 4 : 2));
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 17) % 251;
  if (dtype === 'F32') for (let i = 3; i < data.length; i += 4) data[i] = 0x3c; // keep the values finite
  if (dtype === 'BF16') for (let i = 1; i < data.length; i += 2) data[i] = 0x3c;
  return { dtype, shape, data };
}

function json(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Transformer tensors in BFL names: hidden 16, one double and one single block (and guidance_in for dev). */
function bflTransformerTensors(guidance: boolean): Record<string, TensorToWrite> {
  const t: Record<string, TensorToWrite> = {
    'img_in.weight': tensor('BF16', [16, 8], 1),
    'txt_in.weight': tensor('BF16', [16, 12], 2),
    'double_blocks.0.img_attn.qkv.weight': tensor('BF16', [48, 16], 3),
    'double_blocks.0.img_attn.norm.query_norm.scale': tensor('F32', [8], 4),
    'single_blocks.0.linear1.weight': tensor('BF16', [144, 16], 5),
    'final_layer.linear.weight': tensor('BF16', [8, 16], 6),
  };
  if (guidance) t['guidance_in.in_layer.weight'] = tensor('BF16', [16, 8], 7);
  return t;
}

export interface TinyModelOptions {
  /** Written to model_index.json; undefined leaves the key out. */
  isDistilled?: boolean;
  guidance?: boolean;
  /** Leave out a file to test what is reported missing (a path relative to the model folder). */
  omit?: string[];
}

/**
 * A diffusers-layout folder: model_index.json, transformer/ (one file), text_encoder/ (two shards + index),
 * tokenizer/ (tokenizer.json + tokenizer_config.json), vae/, scheduler/. Returns the folder.
 */
export function writeTinyDiffusersModel(dir: string, options: TinyModelOptions = {}): string {
  const index: Record<string, unknown> = {
    _class_name: options.guidance ? 'Flux2Pipeline' : 'Flux2KleinPipeline',
    _diffusers_version: '0.37.0',
    scheduler: ['diffusers', 'FlowMatchEulerDiscreteScheduler'],
    text_encoder: ['transformers', 'Qwen3ForCausalLM'],
    tokenizer: ['transformers', 'Qwen2TokenizerFast'],
    transformer: ['diffusers', 'Flux2Transformer2DModel'],
    vae: ['diffusers', 'AutoencoderKLFlux2'],
  };
  if (options.isDistilled !== undefined) index.is_distilled = options.isDistilled;
  json(join(dir, 'model_index.json'), index);
  json(join(dir, 'transformer', 'config.json'), {
    _class_name: 'Flux2Transformer2DModel', num_attention_heads: 2, attention_head_dim: 8, num_layers: 1, num_single_layers: 1,
    in_channels: 8, out_channels: 8, joint_attention_dim: 12, mlp_ratio: 3, guidance_embeds: options.guidance === true,
  });
  writeSafetensorsFile(join(dir, 'transformer', 'diffusion_pytorch_model.safetensors'), {
    'x_embedder.weight': tensor('BF16', [16, 8], 11),
    'context_embedder.weight': tensor('BF16', [16, 12], 12),
    'proj_out.weight': tensor('BF16', [8, 16], 13),
  });
  json(join(dir, 'text_encoder', 'config.json'), { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', hidden_size: 4, num_hidden_layers: 2 });
  writeSafetensorsFile(join(dir, 'text_encoder', 'model-00001-of-00002.safetensors'), { 'model.embed_tokens.weight': tensor('BF16', [32, 4], 21) });
  writeSafetensorsFile(join(dir, 'text_encoder', 'model-00002-of-00002.safetensors'), { 'model.norm.weight': tensor('BF16', [4], 22) });
  json(join(dir, 'text_encoder', 'model.safetensors.index.json'), {
    metadata: { total_size: 264 },
    weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors', 'model.norm.weight': 'model-00002-of-00002.safetensors' },
  });
  json(join(dir, 'tokenizer', 'tokenizer.json'), { version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [] } });
  json(join(dir, 'tokenizer', 'tokenizer_config.json'), { chat_template: '{{ messages[0].content }}', pad_token: '<|endoftext|>' });
  json(join(dir, 'vae', 'config.json'), { _class_name: 'AutoencoderKLFlux2', latent_channels: 32 });
  writeSafetensorsFile(join(dir, 'vae', 'diffusion_pytorch_model.safetensors'), { 'decoder.conv_in.weight': tensor('F32', [4, 2, 1, 1], 31) });
  json(join(dir, 'scheduler', 'scheduler_config.json'), { _class_name: 'FlowMatchEulerDiscreteScheduler', shift: 3 });
  for (const rel of options.omit ?? []) rmSync(join(dir, rel));
  return dir;
}

/** BFL single files: a transformer file named like BFL's, ae.safetensors, and a Qwen3 folder with its tokenizer. */
export function writeTinyBflFiles(dir: string, options: { transformerName?: string; guidance?: boolean } = {}): { transformer: string; vae: string; textEncoder: string } {
  const transformer = join(dir, options.transformerName ?? 'flux-2-klein-base-4b.safetensors');
  mkdirSync(dir, { recursive: true });
  writeSafetensorsFile(transformer, bflTransformerTensors(options.guidance === true));
  const vae = join(dir, 'ae.safetensors');
  writeSafetensorsFile(vae, { 'decoder.conv_in.weight': tensor('F32', [4, 2, 1, 1], 41) });
  const textEncoder = join(dir, 'qwen3');
  json(join(textEncoder, 'config.json'), { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', hidden_size: 4 });
  writeSafetensorsFile(join(textEncoder, 'model.safetensors'), { 'model.embed_tokens.weight': tensor('BF16', [32, 4], 42) });
  json(join(textEncoder, 'tokenizer.json'), { version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] } });
  json(join(textEncoder, 'tokenizer_config.json'), { chat_template: '{{ messages[0].content }}' });
  return { transformer, vae, textEncoder };
}
