import { z } from 'zod';
import { loraTypes, triggerWordSchema } from './projects';

// The one description of a run's settings: the API validates the Train form's overrides with it, the trainer
// validates the resolved config with it and takes its TrainingConfig type from it, and the form takes its field
// limits from it. A limit changed here changes everywhere.

export const schedulers = ['constant', 'constant-with-warmup', 'linear', 'cosine', 'cosine-with-restarts'] as const;
export type Scheduler = (typeof schedulers)[number];
export const basePrecisions = ['bf16', 'fp8', 'int8'] as const;
/** What a run trains on each layer: a LoRA pair, a LoKr (Kronecker product) or a LoHa (Hadamard product). */
export const adapterKinds = ['lora', 'lokr', 'loha'] as const;
export type AdapterKindSetting = (typeof adapterKinds)[number];

/** Named layer sets of the models package; a run may instead list BFL layer names. */
export const layerPresets = ['attention', 'all-linear'] as const;
export type TrainingTargets = (typeof layerPresets)[number] | string[];

/** A numeric setting's allowed range, with the words used when a value falls outside it. */
export interface SettingRange {
  /** What the user calls it ("learning rate", not "lr"). */
  label: string;
  min: number;
  max: number;
  whole: boolean;
  /** True when the minimum itself is refused (a learning rate of 0 trains nothing). */
  aboveMin?: boolean;
  /** What a sensible value is, so the message says what to do. */
  hint: string;
}

const WHOLE_32_BITS = 0xffff_ffff;
/**
 * A FLUX.2 LoRA takes 500–2000 steps and a large style set about 10 000; 100 000 is a day at one step per second,
 * so anything beyond is a typo. Step counts elsewhere (warmup, checkpoint and sample intervals) share the bound.
 */
const MAX_STEPS = 100_000;

/**
 * The limits, chosen for real FLUX.2 LoRA training (and the small embedded model, which is the same architecture):
 * wide enough for every recipe in use, narrow enough that a value outside is a mistake rather than a choice.
 */
export const trainingLimits = {
  steps: { label: 'steps', min: 1, max: MAX_STEPS, whole: true, hint: 'the guide suggests images × 100, typically 500–2000.' },
  // FLUX LoRAs ship at rank 4–64 and 128 for heavy styles; past 256 an adapter on FLUX.2's wide layers is as large
  // as fine-tuning the layer itself.
  rank: { label: 'rank', min: 1, max: 256, whole: true, hint: 'use 4–8 for simple concepts, 16 as a balanced default, 32–64 for more detail.' },
  // The adapter is scaled by alpha / rank; recipes use alpha ≤ rank, and 4 × the largest rank leaves room for
  // a stronger scale without letting a typo multiply every update by thousands.
  alpha: { label: 'alpha', min: 0, max: 1024, whole: false, aboveMin: true, hint: 'alpha = rank is common, rank/2 for subtler adaptation.' },
  // AdamW moves each weight by about lr per update. FLUX.2 LoRAs train at 5e-5–4e-4, the small default model at
  // 5× that (it trains fewer steps) and its quick tests at 1e-2; beyond 1e-2 the first updates wreck the weights.
  lr: { label: 'learning rate', min: 0, max: 1e-2, whole: false, aboveMin: true, hint: 'the guide uses 5e-5–4e-4 depending on the LoRA type.' },
  warmupSteps: { label: 'warmup steps', min: 0, max: MAX_STEPS - 1, whole: true, hint: 'warmup must end before the last step.' },
  cycles: { label: 'restart cycles', min: 1, max: 100, whole: true, hint: 'cosine with restarts needs at least one cycle.' },
  weightDecay: { label: 'weight decay', min: 0, max: 1, whole: false, hint: '1e-4 is typical.' },
  // LoRA gradient norms sit around 0.01–10; a clip above 1000 never acts, and 0 is how to turn it off.
  clipNorm: { label: 'gradient clip norm', min: 0, max: 1000, whole: false, hint: '1.0 is typical; 0 turns clipping off.' },
  beta1: { label: 'beta1', min: 0, max: 0.9999, whole: false, hint: '0.9 is typical.' },
  beta2: { label: 'beta2', min: 0, max: 0.99999, whole: false, hint: '0.999 is typical.' },
  // FLUX.2 at 1024 px fits batch 1–4 even on an 80 GB GPU; 64 still covers the small model on a CPU.
  batchSize: { label: 'batch size', min: 1, max: 64, whole: true, hint: 'lower it (and raise gradient accumulation) when memory is tight.' },
  gradAccum: { label: 'gradient accumulation', min: 1, max: 256, whole: true, hint: '4 with batch size 1 on a 24 GB GPU.' },
  // FLUX.2 draws up to about 4 megapixels (2048²) and is optimised for 1024; the small model trains at 16–64 px.
  // Each model adds its own multiple (the trainer checks it).
  resolution: { label: 'resolution', min: 16, max: 2048, whole: true, hint: 'FLUX.2 is optimised for 1024; 512 saves memory.' },
  checkpointEvery: { label: 'checkpoint every', min: 1, max: MAX_STEPS, whole: true, hint: 'the guide saves every 250–500 steps.' },
  sampleEvery: { label: 'sample every', min: 0, max: MAX_STEPS, whole: true, hint: '0 turns periodic samples off.' },
  sampleSteps: { label: 'sample steps', min: 1, max: 200, whole: true, hint: '28 is typical for FLUX.2.' },
  sampleGuidance: { label: 'sample guidance', min: 0, max: 30, whole: false, hint: 'the guide uses 3.5–5.0 for FLUX.2.' },
  sampleSeed: { label: 'sample seed', min: 0, max: WHOLE_32_BITS, whole: true, hint: 'fixed seeds make samples of different steps comparable.' },
  seed: { label: 'seed', min: 0, max: WHOLE_32_BITS, whole: true, hint: 'any whole number; the same seed repeats the same run.' },
  guidance: { label: 'guidance', min: 0, max: 30, whole: false, hint: '1.0 while training.' },
  // Used at 0.05–0.1; past half the steps without a caption the trigger is seen too rarely to take on the concept.
  captionDropout: { label: 'caption dropout', min: 0, max: 0.5, whole: false, hint: 'a probability; 0.05–0.1 when used.' },
  priorImages: { label: 'prior-preservation images', min: 0, max: 10_000, whole: true, hint: 'about one per training image; 0 turns prior preservation off.' },
  // Above 0.9 almost no example teaches the concept itself.
  preservation: { label: 'output preservation', min: 0, max: 0.9, whole: false, hint: 'the share of examples trained toward the base model without the trigger; 0.25–0.5 when used.' },
  timestepShift: { label: 'timestep shift', min: 0, max: 100, whole: false, aboveMin: true, hint: '1 = no shift, 3 for 1024-pixel FLUX.2 training.' },
  logitNormalMean: { label: 'logit-normal mean', min: -10, max: 10, whole: false, hint: '0 is typical.' },
  logitNormalStd: { label: 'logit-normal std', min: 0, max: 10, whole: false, aboveMin: true, hint: '1 is typical.' },
  sigmoidScale: { label: 'sigmoid scale', min: 0, max: 10, whole: false, aboveMin: true, hint: '1 is typical.' },
  // LyCORIS's factor: −1 splits each side as evenly as it divides; 4–16 is what LoKr recipes use.
  lokrFactor: { label: 'LoKr factor', min: -1, max: 4096, whole: true, hint: '−1 picks the factor automatically; 4–16 when set (0 is not a factor).' },
  // An EMA decay of 0.999 averages about the last 1000 steps; above 0.99999 it would barely move in a run.
  ema: { label: 'EMA decay', min: 0, max: 0.99999, whole: false, hint: '0 turns EMA off; 0.999–0.9999 when used.' },
  unmaskedWeight: { label: 'unmasked weight', min: 0, max: 1, whole: false, hint: '0 ignores what a mask leaves black; 1 ignores masks.' },
} as const satisfies Record<string, SettingRange>;

/** Sample prompts and seeds shown per checkpoint: more than 16 makes every checkpoint slow to render. */
export const MAX_SAMPLE_PROMPTS = 16;
export const MAX_SAMPLE_SEEDS = 16;

export function isInRange(range: SettingRange, value: number): boolean {
  return Number.isFinite(value) && (range.whole ? Number.isInteger(value) : true)
    && (range.aboveMin ? value > range.min : value >= range.min) && value <= range.max;
}

/** The sentence for a value outside its range: what is allowed, what was given, what is sensible. */
export function outOfRangeMessage(range: SettingRange, value: unknown): string {
  const got = typeof value === 'string' ? `"${value}"` : String(value);
  return range.whole
    ? `${range.label} must be a whole number from ${range.min} to ${range.max} (got ${got}); ${range.hint}`
    : `${range.label} must be ${range.aboveMin ? 'above' : 'at least'} ${range.min} and at most ${range.max} (got ${got}); ${range.hint}`;
}

function ranged(range: SettingRange) {
  const error = (issue: { input?: unknown }) => outOfRangeMessage(range, issue.input);
  return z.number({ error }).refine((v) => isInRange(range, v), { error });
}

const choice = <T extends readonly [string, ...string[]]>(label: string, values: T) =>
  z.enum(values, { error: (issue) => `${label} must be one of ${values.join(', ')} (got ${JSON.stringify(issue.input)}).` });

const L = trainingLimits;

/** How training picks noise levels (t ∈ (0, 1), t = 1 pure noise); see the trainer's objective. */
export const timestepSamplingSchema = z.discriminatedUnion(
  'kind',
  [
    /** t ~ U(0, 1), then shifted. */
    z.object({ kind: z.literal('uniform'), shift: ranged(L.timestepShift) }),
    /** t = sigmoid(mean + std·n), n ~ N(0, 1) (SD3's logit-normal; mean 0, std 1 is the usual choice). */
    z.object({ kind: z.literal('logit-normal'), mean: ranged(L.logitNormalMean), std: ranged(L.logitNormalStd) }),
    /** t = shift(sigmoid(scale·n)) (SimpleTuner's FLUX recipe: scale 1, shift 3). */
    z.object({ kind: z.literal('sigmoid'), scale: ranged(L.sigmoidScale), shift: ranged(L.timestepShift) }),
  ],
  { error: (issue) => `timestep sampling must be uniform, logit-normal or sigmoid (got ${JSON.stringify(issue.input)}).` },
);
export type TimestepSampling = z.infer<typeof timestepSamplingSchema>;

/**
 * Everything a training run needs to know, in one JSON-serialisable object (stored with the run and in every
 * checkpoint, so a resume uses the same settings). Not strict: a run written by another version may carry a key
 * this one does not use.
 */
export const trainingSettingsSchema = z.object({
  type: choice('type', loraTypes),
  /** The unique word that names the concept (e.g. `sks`); captions must contain it. */
  trigger: triggerWordSchema,
  /** 'lora' trains adapter tensors only; 'full' trains every weight (used to pretrain the default model). */
  mode: choice('mode', ['lora', 'full']),
  steps: ranged(L.steps),
  rank: ranged(L.rank),
  alpha: ranged(L.alpha),
  targets: z.union([z.enum(layerPresets), z.array(z.string().min(1)).min(1)], {
    error: 'layers must be attention, all-linear or a list of layer names.',
  }),
  lr: ranged(L.lr),
  scheduler: choice('scheduler', schedulers),
  warmupSteps: ranged(L.warmupSteps),
  /** Cycles of 'cosine-with-restarts'. */
  cycles: ranged(L.cycles),
  weightDecay: ranged(L.weightDecay),
  /** Global gradient-norm clip; 0 turns clipping off. */
  clipNorm: ranged(L.clipNorm),
  beta1: ranged(L.beta1),
  beta2: ranged(L.beta2),
  batchSize: ranged(L.batchSize),
  /** Gradient accumulation: micro-batches summed per optimizer step. */
  gradAccum: ranged(L.gradAccum),
  /** Target side length in pixels; buckets keep about resolution² pixels. */
  resolution: ranged(L.resolution),
  checkpointEvery: ranged(L.checkpointEvery),
  /** 0 = no periodic samples. */
  sampleEvery: ranged(L.sampleEvery),
  samplePrompts: z
    .array(z.string().trim().min(1, 'sample prompts must be non-empty texts.').max(1000, 'keep each sample prompt under 1000 characters.'))
    .max(MAX_SAMPLE_PROMPTS, `give at most ${MAX_SAMPLE_PROMPTS} sample prompts.`),
  sampleSeeds: z
    .array(ranged(L.sampleSeed))
    .min(1, 'give at least one sample seed.')
    .max(MAX_SAMPLE_SEEDS, `give at most ${MAX_SAMPLE_SEEDS} sample seeds.`),
  /** Euler steps per sample image. */
  sampleSteps: ranged(L.sampleSteps),
  /** Guidance of sample images: embedded for guidance-distilled models, classifier-free guidance (vs "") otherwise. */
  sampleGuidance: ranged(L.sampleGuidance),
  seed: ranged(L.seed),
  timesteps: timestepSamplingSchema,
  /** Guidance value fed to guidance-distilled models while training (1.0 as in ai-toolkit/SimpleTuner). */
  guidance: ranged(L.guidance),
  /** Probability of training a sample with an empty caption. */
  captionDropout: ranged(L.captionDropout),
  /** Shuffle comma-separated tags, keeping the tag with the trigger first. */
  tagShuffle: z.boolean({ error: 'tag shuffle must be true or false.' }),
  /** Also train on mirrored images (off by default: it breaks asymmetric subjects and text). */
  flip: z.boolean({ error: 'flip must be true or false.' }),
  /**
   * Prior preservation (the "regularisation images" of kohya and DreamBooth): the base model renders this many
   * pictures from the dataset's captions with the trigger taken out, and they are trained on beside the dataset,
   * so prompts without the trigger keep the base model's look. 0 = off. Runs made before it existed read as 0.
   */
  priorImages: ranged(L.priorImages),
  /**
   * Output preservation (ai-toolkit's "differential output preservation"): this share of examples is trained with
   * the trigger taken out of its caption, toward the base model's own prediction for the same noisy image. The
   * LoRA learns to change nothing where the trigger is absent, at the cost of one base forward pass for those
   * rows. 0 = off. Runs made before it existed read as 0.
   */
  preservation: ranged(L.preservation),
  /**
   * How the frozen base model is held while training: bf16 (as stored), or quantized per output channel to fp8
   * (e4m3) or int8, about half the memory. Runs made before it existed read as bf16.
   */
  basePrecision: choice('base precision', basePrecisions).optional(),
  /**
   * Gradient checkpointing: each transformer block's activations are recomputed in the backward pass instead of
   * kept, about a third more compute for a fraction of the activation memory. On for FLUX.2, off for the small
   * embedded model (its activations are small). Runs made before it existed read as off.
   */
  gradientCheckpointing: z.boolean({ error: 'gradient checkpointing must be true or false.' }).optional(),
  /** The adapter trained on each targeted layer. Runs made before it existed read as lora. */
  adapter: choice('adapter', adapterKinds).optional(),
  /** LoKr's Kronecker factor (−1 = automatic); only LoKr reads it. */
  lokrFactor: ranged(L.lokrFactor).refine((v) => v !== 0, { error: (issue) => outOfRangeMessage(L.lokrFactor, issue.input) }).optional(),
  /**
   * Decay of an exponential moving average of the adapter's weights, kept beside them (checkpoints hold both; export
   * and Compare may use either). 0 or absent = off.
   */
  ema: ranged(L.ema).optional(),
  /**
   * Masked training: the loss weight of what an image's mask leaves black (grey is in between, white is 1). Absent
   * = 0, so black means ignore as the mask is drawn; raise it to keep some learning outside the subject. Images
   * without a mask weigh 1 everywhere.
   */
  unmaskedWeight: ranged(L.unmaskedWeight).optional(),
});
/** The full, resolved settings of a run (the trainer's TrainingConfig). */
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

/** What the Train form can set; everything left out comes from the preset for the project's LoRA type. */
export const trainingOverridesSchema = trainingSettingsSchema
  .omit({ mode: true, beta1: true, beta2: true, timesteps: true, guidance: true })
  .partial()
  .strict();
export type TrainingOverrides = z.infer<typeof trainingOverridesSchema>;
