// Everything a training run needs to know, in one JSON-serialisable object (stored in runs.config and in
// every checkpoint, so a resume uses the same settings).
import type { TimestepSampling } from './objective';
import type { Scheduler } from './schedule';

export const LORA_TYPES = ['subject', 'style', 'object'] as const;
export type LoraType = (typeof LORA_TYPES)[number];

/** A preset name of packages/models ('attention' | 'all-linear') or a list of BFL layer names. */
export type TrainingTargets = string | string[];

export interface TrainingConfig {
  type: LoraType;
  /** The unique word that names the concept (e.g. `sks`); captions must contain it. */
  trigger: string;
  /** 'lora' trains adapter tensors only; 'full' trains every weight (used to pretrain the default model). */
  mode: 'lora' | 'full';
  steps: number;
  rank: number;
  alpha: number;
  targets: TrainingTargets;
  lr: number;
  scheduler: Scheduler;
  warmupSteps: number;
  /** Cycles of 'cosine-with-restarts'. */
  cycles: number;
  weightDecay: number;
  /** Global gradient-norm clip; 0 turns clipping off. */
  clipNorm: number;
  beta1: number;
  beta2: number;
  batchSize: number;
  /** Gradient accumulation: micro-batches summed per optimizer step. */
  gradAccum: number;
  /** Target side length in pixels; buckets keep about resolution² pixels. */
  resolution: number;
  checkpointEvery: number;
  /** 0 = no periodic samples. */
  sampleEvery: number;
  samplePrompts: string[];
  sampleSeeds: number[];
  /** Euler steps per sample image. */
  sampleSteps: number;
  /** Guidance of sample images: embedded for guidance-distilled models, classifier-free guidance (vs "") otherwise. */
  sampleGuidance: number;
  seed: number;
  timesteps: TimestepSampling;
  /** Guidance value fed to guidance-distilled models while training (1.0 as in ai-toolkit/SimpleTuner). */
  guidance: number;
  /** Probability of training a sample with an empty caption. */
  captionDropout: number;
  /** Shuffle comma-separated tags, keeping the tag with the trigger first. */
  tagShuffle: boolean;
  /** Also train on mirrored images (off by default: it breaks asymmetric subjects and text). */
  flip: boolean;
  /**
   * Prior preservation (the "regularisation images" of kohya and DreamBooth): the base model renders this many
   * pictures from the dataset's captions with the trigger taken out, and they are trained on beside the dataset,
   * so prompts without the trigger keep the base model's look. 0 = off. Runs made before it existed read as 0.
   */
  priorImages: number;
  /**
   * Output preservation (ai-toolkit's "differential output preservation"): this share of examples is trained with
   * the trigger taken out of its caption, toward the base model's own prediction for the same noisy image. The
   * LoRA learns to change nothing where the trigger is absent, at the cost of one base forward pass for those
   * rows. 0 = off. Runs made before it existed read as 0.
   */
  preservation: number;
}

export function isLoraType(value: string): value is LoraType {
  return (LORA_TYPES as readonly string[]).includes(value);
}
