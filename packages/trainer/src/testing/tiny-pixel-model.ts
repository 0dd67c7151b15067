// A very small pixel-space model folder with random weights, in the real on-disk format, so tests exercise the
// whole trainer (loading, encoders, graphs, checkpoints) in seconds.
import { randomFlux2Weights, randomTextEncoderWeights, writeModelFolder, type Flux2Config, type ModelManifest, type TextEncoderConfig } from '@lora-studio/models';

export const TINY_TRANSFORMER: Flux2Config = {
  hiddenSize: 32, numHeads: 2, headDim: 16, numDoubleBlocks: 1, numSingleBlocks: 1, mlpRatio: 2, contextDim: 32,
  inChannels: 48, outChannels: 48, ropeAxesDims: [4, 4, 4, 4], ropeTheta: 2000, guidanceEmbed: false, eps: 1e-6, timestepDim: 32,
};

export const TINY_TEXT_ENCODER: TextEncoderConfig = { maxBytes: 32, width: 16, heads: 2, layers: 1, mlpRatio: 2, mergeBytes: 4, contextDim: 32 };

/** 16×16 images in 4×4 patches: 16 image tokens, 8 text tokens. */
export function writeTinyPixelModel(dir: string, seed = 1): void {
  const manifest: ModelManifest = {
    format: 'lora-studio-pixel-flux2',
    name: 'tiny-test-model',
    transformer: TINY_TRANSFORMER,
    image: { size: 16, patch: 4, channels: 3, range: [-1, 1], patchOrder: 'c pi pj' },
    textEncoder: TINY_TEXT_ENCODER,
    dtype: 'F32',
    files: { transformer: 'transformer.safetensors', textEncoder: 'text-encoder.safetensors' },
    provenance: { command: 'test fixture', commit: 'none', steps: 0, seed, corpus: 'none', date: '2026-01-01' },
    licence: 'test only',
  };
  const transformer = Object.fromEntries(Object.entries(randomFlux2Weights(TINY_TRANSFORMER, seed)).map(([k, v]) => [k, v.data]));
  writeModelFolder(dir, manifest, { transformer, textEncoder: randomTextEncoderWeights(TINY_TEXT_ENCODER, seed + 1) });
}
