// A tiny but complete real-model folder for tests: random FLUX.2 transformer weights (BFL names) and stand-in
// ONNX encoders with the real signatures, built with the engine's graph builder — an 8×8 stride-8 conv "VAE"
// (3 → 32 channels) with its transposed conv as decoder, and a "text encoder" that is an embedding lookup
// masked by attention_mask followed by three linear "hidden layers".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cast, concat, gather, Graph, ints, matmul, mul, serializeGraph, tanh, unsqueeze, writeSafetensorsFile, type Tensor,
  SeededRandom,
} from '@lora-studio/onnx';
import type { Flux2Config } from '../flux2/config';
import { randomFlux2Weights } from '../flux2/random-weights';
import { ONNX_MODEL_FORMAT, type OnnxModelManifest } from './model-folder';

/** 32 latent channels → 128-channel tokens like the real VAE; context 3 × 8. */
export const TINY_ONNX_TRANSFORMER: Flux2Config = {
  hiddenSize: 32, numHeads: 2, headDim: 16, numDoubleBlocks: 1, numSingleBlocks: 1, mlpRatio: 2, contextDim: 24,
  inChannels: 128, outChannels: 128, ropeAxesDims: [4, 4, 4, 4], ropeTheta: 2000, guidanceEmbed: false, eps: 1e-6, timestepDim: 32,
};

const KLEIN_TEMPLATE = '<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';
const SPECIALS = ['<|im_start|>', '<|im_end|>', '<think>', '</think>', '<|endoftext|>'];
// Byte-level spellings: "Ġ" is a space, "Ċ" a newline.
const WORDS = ['user', 'assistant', 'Ġdisc', 'Ġsks', 'Ġa', 'Ġon', 'Ġwhite', 'Ġcolour', 'ĊĊ', 'Ġ', 'Ċ', ',', '.'];

export interface TinyOnnxModelOptions {
  seed?: number;
  /** Three hidden-state outputs (concatenated by the encoders) or one already concatenated. */
  textOutputs?: 1 | 3;
  maxTokens?: number;
}

/** Writes model.json, transformer.safetensors, text-encoder.onnx, vocab.json, vae-*.onnx, vae-stats.safetensors. */
export function writeTinyOnnxModelFolder(dir: string, options: TinyOnnxModelOptions = {}): void {
  const seed = options.seed ?? 1;
  const L = options.maxTokens ?? 48;
  const rng = new SeededRandom(seed);
  const uniform = (n: number, scale: number) => rng.fillUniform(new Float32Array(n), -scale, scale) as Float32Array;
  mkdirSync(dir, { recursive: true });
  const c = TINY_ONNX_TRANSFORMER;
  const C = c.inChannels / 4;

  const weights = randomFlux2Weights(c, seed);
  writeSafetensorsFile(join(dir, 'transformer.safetensors'), Object.fromEntries(Object.entries(weights).map(([k, v]) => [
    k, { dtype: 'F32' as const, shape: v.shape, data: new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength) },
  ])));

  const vocab: Record<string, number> = {};
  for (const t of [...SPECIALS, ...WORDS]) vocab[t] = Object.keys(vocab).length;
  for (let b = 33; b < 127; b++) vocab[String.fromCharCode(b)] ??= Object.keys(vocab).length;
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  const V = Object.keys(vocab).length;

  const text = new Graph('tiny_text_encoder');
  const ids = text.input('input_ids', 'int64', ['batch', L]);
  const mask = text.input('attention_mask', 'int64', ['batch', L]);
  const embedded = mul(gather(text.initializer('embed', 'float32', [V, 8], uniform(V * 8, 1)), ids), unsqueeze(cast(mask, 'float32'), [2]));
  const layers = [0, 1, 2].map((i) => tanh(matmul(embedded, text.initializer(`layer${i}`, 'float32', [8, 8], uniform(64, 0.6)))));
  if ((options.textOutputs ?? 3) === 3) layers.forEach((h, i) => text.output(h, `hidden_states_${i}`));
  else text.output(concat(layers, 2), 'context');
  writeFileSync(join(dir, 'text-encoder.onnx'), serializeGraph(text));

  const kernel = uniform(C * 3 * 64, 0.1);
  const enc = new Graph('tiny_vae_encoder');
  const image = enc.input('image', 'float32', ['batch', 3, 'height', 'width']);
  enc.output(patchConv(enc, 'Conv', image, enc.initializer('w', 'float32', [C, 3, 8, 8], kernel), C), 'latent_mean');
  writeFileSync(join(dir, 'vae-encoder.onnx'), serializeGraph(enc));
  const dec = new Graph('tiny_vae_decoder');
  const latent = dec.input('latent', 'float32', ['batch', C, 'height', 'width']);
  dec.output(tanh(patchConv(dec, 'ConvTranspose', latent, dec.initializer('w', 'float32', [C, 3, 8, 8], kernel), 3)), 'image');
  writeFileSync(join(dir, 'vae-decoder.onnx'), serializeGraph(dec));

  const mean = uniform(4 * C, 0.1);
  const variance = rng.fillUniform(new Float32Array(4 * C), 0.05, 0.2) as Float32Array;
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeSafetensorsFile(join(dir, 'vae-stats.safetensors'), {
    'bn.running_mean': { dtype: 'F32', shape: [4 * C], data: bytes(mean) },
    'bn.running_var': { dtype: 'F32', shape: [4 * C], data: bytes(variance) },
  });

  const manifest: OnnxModelManifest = {
    format: ONNX_MODEL_FORMAT,
    name: 'tiny-onnx-test-model',
    transformer: { weights: 'transformer.safetensors' },
    textEncoder: { template: KLEIN_TEMPLATE, maxTokens: L, padId: vocab['<|endoftext|>']!, byteLevel: true },
    vae: { downscale: 8, eps: 1e-4 },
    nativeResolution: 32,
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
}

/**
 * An 8×8 stride-8 (transposed) convolution on images of any size. The builder's conv needs numeric sides to infer
 * shapes; a VAE export keeps them symbolic, so the node is added with its output shape given.
 */
function patchConv(g: Graph, op: 'Conv' | 'ConvTranspose', x: Tensor, w: Tensor, channels: number): Tensor {
  return g.addNode(op, [x, w], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) }, [{ dtype: 'float32', shape: ['batch', channels, `${op}_h`, `${op}_w`] }])[0]!;
}
