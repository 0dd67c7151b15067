// What a base model supplies to turn images and captions into model inputs (pixel patchify or a VAE;
// a text encoder). The trainer caches their outputs; it never looks inside.
import type { RgbImage } from './images';

export interface EncodedTensor {
  shape: number[];
  data: Float32Array;
  /**
   * A text's own token count when its encoder is causal and pads on the right: the rows after it are padding the
   * run may cut off (see text-tokens.ts). Absent: every row counts.
   */
  tokens?: number;
}

export interface ModelEncoders {
  /** Changes whenever the encoders' weights or code change: part of every cache key. */
  id: string;
  /** Image sides must be multiples of this (patch size × VAE downscale). */
  sizeMultiple: number;
  /** The only image sizes the model takes, when it is not free-form (the default model: one square size). */
  fixedBuckets?: { width: number; height: number }[];
  /** Image tokens for the transformer, e.g. [tokens, channels]. */
  encodeImage(image: RgbImage): Promise<EncodedTensor>;
  /** Text tokens for the transformer, e.g. [textTokens, contextDim]; every caption gives the same shape. */
  encodeText(text: string): Promise<EncodedTensor>;
  /** Frees the encoders' memory once a run's captions and images are cached (they load again if needed). */
  release?(): Promise<void>;
}
