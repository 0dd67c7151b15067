// The shape of the embedded default model: which FLUX.2 preset, which pixel format, which text encoder.
// model.json repeats these numbers so a shipped model is self-describing; this file is what a new pretraining uses.
import { flux2Preset, type Flux2Config } from '../flux2/config';
import type { PixelFormat } from './patchify';
import type { TextEncoderConfig } from './text-encoder';

export const DEFAULT_MODEL_NAME = 'flux2-tiny-default';

/** 32×32 RGB in 4×4 patches: 64 tokens of 48 channels (README.md: why). */
export const DEFAULT_PIXEL_FORMAT: PixelFormat = { size: 32, patch: 4 };

/** The byte path's shape (the whole encoder of format-1 models). */
export const DEFAULT_TEXT_ENCODER: TextEncoderConfig = {
  maxBytes: 160, width: 128, heads: 4, layers: 2, mlpRatio: 4, mergeBytes: 4, contextDim: 256,
};

/**
 * What a new pretraining uses: the byte path plus a word row for every word of the captions (word-ids.ts).
 * wordScale 32: Adam moves each weight by about lr per step, so a zero-started word row needs a large factor to reach
 * the size of the byte features (a layer-normed width-128 vector, norm ≈ 11) in a few thousand steps; with 4, a name's
 * row had norm ≈ 0.26 after 650 steps and the samples did not change.
 */
export function defaultTextEncoder(vocabulary: string[]): TextEncoderConfig {
  return { ...DEFAULT_TEXT_ENCODER, words: vocabulary, wordScale: 32 };
}

export function defaultTransformerConfig(): Flux2Config {
  return flux2Preset(DEFAULT_MODEL_NAME);
}
