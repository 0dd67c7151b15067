// What the trainer needs from a base model: the transformer (config + frozen weights), encoders for the data
// pipeline, a decoder for samples, and the defaults that fit its size.
import type { Flux2Config, FrozenFlux2Weights } from '@lora-studio/models';
import type { ModelEncoders } from '../data/encoders';
import type { RgbImage } from '../data/images';
import type { ModelTrainingProfile } from '../presets';

export interface BaseModel {
  /** Names the model and its weights' content: part of cache keys and checkpoints. */
  id: string;
  name: string;
  dir: string;
  transformer: Flux2Config;
  /**
   * The frozen transformer weights: by reference into the checkpoint's files (the graphs read them as ONNX
   * external data in their stored dtype; nothing is loaded into JavaScript), or in memory (tests).
   */
  weights: FrozenFlux2Weights;
  encoders: ModelEncoders;
  profile: ModelTrainingProfile;
  /** Image tokens [N, C] of a width × height image back to pixels (for samples); a VAE decoder runs async. */
  decodeImage(tokens: Float32Array, width: number, height: number): RgbImage | Promise<RgbImage>;
  close(): Promise<void>;
}
