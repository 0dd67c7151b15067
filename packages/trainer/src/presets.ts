// Default settings per LoRA type, from the training guide (docs/training-guide.md), and their scaling for the small
// embedded model.
import type { LoraType, TrainingConfig } from './config';
import type { Scheduler } from './schedule';

/** What the trainer needs to know about a base model to choose defaults. */
export interface ModelTrainingProfile {
  /** The resolution the model was trained at (1024 for FLUX.2, small for the embedded model). */
  nativeResolution: number;
  /** True for the embedded CPU-sized model: fewer steps, larger learning rate, no accumulation. */
  small: boolean;
  /** Guidance for sample images (docs/training-guide.md §Testing: 3.5–5.0 for FLUX.2). */
  sampleGuidance?: number;
  /** Denoising steps for sample images (4 for a step-distilled model); by default 12 small, 28 large. */
  sampleSteps?: number;
}

interface TypePreset {
  lr: number;
  scheduler: Scheduler;
  /** The guide's learning-rate range, shown as the field hint. */
  lrRange: [number, number];
}

/** Guide §Presets: subject 1e-4–4e-4 cosine with restarts; style 5e-5–2e-4 constant with warmup; object
 * 1e-4–3e-4 cosine. */
export const TYPE_PRESETS: Record<LoraType, TypePreset> = {
  subject: { lr: 2e-4, scheduler: 'cosine-with-restarts', lrRange: [1e-4, 4e-4] },
  style: { lr: 1e-4, scheduler: 'constant-with-warmup', lrRange: [5e-5, 2e-4] },
  object: { lr: 2e-4, scheduler: 'cosine', lrRange: [1e-4, 3e-4] },
};

/**
 * The small model is LoRA-trained in minutes on a CPU, so a run is ~10× shorter than the guide's
 * images × 100. Adam moves each weight by roughly lr per update, so 10× fewer updates need a larger
 * step to travel as far: ×5 keeps the run stable (the loss curve of `lora-studio demo` is the check).
 */
const SMALL_MODEL = { stepsPerImage: 10, minSteps: 100, maxSteps: 500, lrScale: 5 };
const LARGE_MODEL = { stepsPerImage: 100, minSteps: 500, maxSteps: 2000, lrScale: 1 };

/** Guide §Presets: start at images × 100, typically 500–2000 (scaled for the small model, see above). */
export function presetSteps(imageCount: number, model: ModelTrainingProfile): number {
  const s = model.small ? SMALL_MODEL : LARGE_MODEL;
  return Math.min(s.maxSteps, Math.max(s.minSteps, imageCount * s.stepsPerImage));
}

/** Guide §Presets: checkpoints every 250–500 steps; short runs get four so there is something to compare. */
export function presetCheckpointEvery(steps: number): number {
  if (steps >= 1000) return Math.min(500, Math.max(250, Math.round(steps / 4 / 50) * 50));
  return Math.max(1, Math.round(steps / 4));
}

export function presetConfig(args: { type: LoraType; trigger: string; imageCount: number; model: ModelTrainingProfile }): TrainingConfig {
  const { type, trigger, imageCount, model } = args;
  const typePreset = TYPE_PRESETS[type];
  const scale = model.small ? SMALL_MODEL : LARGE_MODEL;
  const steps = presetSteps(imageCount, model);
  const checkpointEvery = presetCheckpointEvery(steps);
  const rank = 16;
  return {
    type,
    trigger,
    mode: 'lora',
    steps,
    rank,
    alpha: rank,
    targets: 'all-linear',
    lr: typePreset.lr * scale.lrScale,
    scheduler: typePreset.scheduler,
    warmupSteps: typePreset.scheduler === 'constant-with-warmup' || !model.small ? Math.round(steps * 0.05) : 0,
    cycles: 3,
    weightDecay: 1e-4,
    clipNorm: 1.0,
    beta1: 0.9,
    beta2: 0.999,
    // Guide §Presets: batch 1 with accumulation 4 on a 24 GB GPU. On a CPU the same effective batch is one run.
    batchSize: model.small ? 4 : 1,
    gradAccum: model.small ? 1 : 4,
    resolution: model.nativeResolution,
    checkpointEvery,
    sampleEvery: checkpointEvery,
    samplePrompts: defaultSamplePrompts(type, trigger),
    sampleSeeds: [1, 2],
    sampleSteps: model.sampleSteps ?? (model.small ? 12 : 28),
    sampleGuidance: model.sampleGuidance ?? 4,
    seed: 42,
    // Small images have few tokens, so no shift toward high noise is needed there (docs/flux2.md §Sampling: μ grows
    // with the token count).
    timesteps: { kind: 'sigmoid', scale: 1, shift: model.small ? 1 : 3 },
    guidance: 1,
    captionDropout: 0,
    tagShuffle: false,
    flip: false,
    // The small model follows its captions only weakly, so a LoRA trained on the dataset alone leaks into every
    // prompt (the demo's bleed score ≈ its trigger change). One base-model picture per training image plus half the
    // examples trained toward the base model without the trigger teach it where NOT to act; `lora-studio demo`
    // measures the difference. Off for large models: the pictures take a GPU hour, the extra forward pass ~30%.
    priorImages: model.small ? Math.min(imageCount, 200) : 0,
    preservation: model.small ? 0.5 : 0,
    // A FLUX.2 block's activations at 1024 px are gigabytes (attention probabilities included); recomputing them
    // in the backward pass is what lets a large model train in GPU or laptop memory. The small model's fit anyway.
    gradientCheckpointing: !model.small,
  };
}

/** Guide §Captions: trigger placement by use case; one prompt with the trigger and one without to see the change. */
export function defaultSamplePrompts(type: LoraType, trigger: string): string[] {
  switch (type) {
    case 'subject':
      return [`a photo of ${trigger} on a plain background`, 'a photo of a cat on a plain background'];
    case 'style':
      return [`a smiling face, in the style of ${trigger}`, 'a smiling face'];
    case 'object':
      return [`a ${trigger} product on a white table`, 'a product on a white table'];
  }
}
