// The shape of the embedded default model: which FLUX.2 preset, which pixel format, which text encoder.
// model.json repeats these numbers so a shipped model is self-describing; this file is what a new pretraining uses.
import { flux2Preset, type Flux2Config } from '../flux2/config';
import type { PixelFormat } from './patchify';
import type { TextEncoderConfig } from './text-encoder';

export const DEFAULT_MODEL_NAME = 'flux2-tiny-default';

/** 32×32 RGB in 4×4 patches: 64 tokens of 48 channels (README.md: why). */
export const DEFAULT_PIXEL_FORMAT: PixelFormat = { size: 32, patch: 4 };

/** Bytes plus hashed words (8,192 buckets ≈ 1 M weights, 2 MB in fp16): names are one lookup away (word-hashes.ts). */
export const DEFAULT_TEXT_ENCODER: TextEncoderConfig = {
  maxBytes: 160, width: 128, heads: 4, layers: 2, mlpRatio: 4, mergeBytes: 4, contextDim: 256, wordBuckets: 8192, wordScale: 4,
};

export function defaultTransformerConfig(): Flux2Config {
  return flux2Preset(DEFAULT_MODEL_NAME);
}
