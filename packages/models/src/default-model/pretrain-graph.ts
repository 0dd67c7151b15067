// One pretraining step as one ONNX graph: text encoder + FLUX.2 transformer, every weight trainable (packed into
// one flat buffer), rectified-flow loss, backward pass and AdamW — the engine's full-training mode.
import {
  addAdamWStep, Graph, mul, packParameters, reduceMean, serializeGraph, sub, add, unsqueeze,
  type ParameterSpec, type TrainStepIO,
} from '@lora-studio/onnx';
import type { Flux2Config } from '../flux2/config';
import { buildFlux2 } from '../flux2/graph';
import { flux2WeightSpecs } from '../flux2/weights';
import { tokenChannels, tokenCount, type PixelFormat } from './patchify';
import { buildTextEncoder, contextTokens, textEncoderWeightSpecs, type TextEncoderConfig } from './text-encoder';
import { lookupIn } from './graph-weights';

export interface PretrainShapes {
  transformer: Flux2Config;
  textEncoder: TextEncoderConfig;
  image: PixelFormat;
  batch: number;
}

export const TRANSFORMER_PREFIX = 'transformer.';
export const TEXT_ENCODER_PREFIX = 'text_encoder.';

/** Every trainable tensor, transformer first, in the order of the flat parameter buffer. */
export function pretrainParameterSpecs(s: Pick<PretrainShapes, 'transformer' | 'textEncoder'>): ParameterSpec[] {
  return [
    ...flux2WeightSpecs(s.transformer).map((w) => ({ name: TRANSFORMER_PREFIX + w.name, shape: w.shape })),
    ...textEncoderWeightSpecs(s.textEncoder).map((w) => ({ name: TEXT_ENCODER_PREFIX + w.name, shape: w.shape })),
  ];
}

/**
 * Inputs: bytes int64 [B, maxBytes] (+ words, same shape, with the word path), x0 and noise [B, N, C], t [B], img_ids [B, N, 4], txt_ids [B, T, 4]
 * (+ the optimizer's params / params.m / params.v / step / lr / beta1 / beta2).
 * Loss: mean ‖v̂(x_t, t) − (noise − x0)‖² with x_t = (1 − t)·x0 + t·noise.
 */
export function buildPretrainStep(s: PretrainShapes, opts: { weightDecay: number; clipNorm: number }): { bytes: Uint8Array; io: TrainStepIO } {
  const g = new Graph('pretrain_step');
  const pack = packParameters(g, 'params', pretrainParameterSpecs(s));
  const B = s.batch;
  const N = tokenCount(s.image);
  const C = tokenChannels(s.image);
  const T = contextTokens(s.textEncoder);
  const bytes = g.input('bytes', 'int64', [B, s.textEncoder.maxBytes]);
  const words = s.textEncoder.words === undefined ? undefined : g.input('words', 'int64', [B, s.textEncoder.maxBytes]);
  const x0 = g.input('x0', 'float32', [B, N, C]);
  const noise = g.input('noise', 'float32', [B, N, C]);
  const t = g.input('t', 'float32', [B]);
  const imgIds = g.input('img_ids', 'float32', [B, N, 4]);
  const txtIds = g.input('txt_ids', 'float32', [B, T, 4]);

  const context = buildTextEncoder(g, s.textEncoder, lookupIn(pack.tensors, TEXT_ENCODER_PREFIX), bytes, B, words);
  const tb = unsqueeze(unsqueeze(t, [1]), [2]);
  const xt = add(mul(sub(1, tb), x0), mul(tb, noise));
  const transformerWeights = new Map([...pack.tensors].filter(([k]) => k.startsWith(TRANSFORMER_PREFIX)).map(([k, v]) => [k.slice(TRANSFORMER_PREFIX.length), v]));
  const velocity = buildFlux2(g, { img: xt, imgIds, txt: context, txtIds, timesteps: t }, { config: s.transformer, weights: transformerWeights });
  const diff = sub(velocity, sub(noise, x0));
  const loss = g.scope('loss', () => reduceMean(mul(diff, diff)));
  const io = addAdamWStep(loss, pack, { weightDecay: opts.weightDecay, clipNorm: opts.clipNorm });
  return { bytes: serializeGraph(g), io };
}
