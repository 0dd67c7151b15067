// What the trainer needs from a base model: its family (the denoiser graph, objective, sampler and LoRA layers of
// its architecture), the frozen weights, encoders for the data pipeline, a decoder for samples, and the defaults
// that fit its size.
import type { Flux2Config, FrozenWeights, ModelFamily } from '@lora-studio/models';
import type { ModelEncoders } from '../data/encoders';
import type { RgbImage } from '../data/images';
import type { ModelTrainingProfile } from '../presets';

export interface BaseModel {
  /** Names the model and its weights' content: part of cache keys and checkpoints. */
  id: string;
  name: string;
  dir: string;
  /** The architecture: everything the trainer, sampler and preflight do with the network goes through it. */
  family: ModelFamily;
  /** The FLUX.2 config, for FLUX.2's own tools and tests; the trainer reads `family` instead. */
  transformer: Flux2Config;
  /**
   * The frozen transformer weights: by reference into the checkpoint's files (the graphs read them as ONNX
   * external data in their stored dtype; nothing is loaded into JavaScript), or in memory (tests).
   */
  weights: FrozenWeights;
  encoders: ModelEncoders;
  profile: ModelTrainingProfile;
  /** Image tokens [N, C] of a width × height image back to pixels (for samples); a VAE decoder runs async. */
  decodeImage(tokens: Float32Array, width: number, height: number): RgbImage | Promise<RgbImage>;
  close(): Promise<void>;
}
