import { DEFAULT_BASE_MODEL, schedulers, trainingLimits, type LoraType, type SettingRange, type TrainingOverrides } from '@lora-studio/api';

/**
 * The Train form's fields, each with its hint in the words of the guide (docs/training-guide.md §Presets, §Loss).
 * Numeric fields take their range from the API's settings schema, so the form refuses exactly what the API and the
 * trainer refuse.
 */

export type FieldKey = keyof TrainingOverrides;

/** What every field has: the setting it edits, its words, and when it is shown. */
interface FieldBase {
  label: string;
  hint: string;
  /**
   * What the run uses when the settings leave this optional setting out (the trainer's own default), shown so the
   * field never looks empty.
   */
  whenAbsent?: unknown;
  /** Shown only while another setting has this value (LoKr's factor only for a LoKr). */
  onlyWhen?: { key: FieldKey; value: unknown };
}

export type TrainingField = FieldBase &
  (
    | { key: FieldKey; kind: 'integer' | 'number'; range: SettingRange; step?: number; reasoning?: string }
    | { key: FieldKey; kind: 'choice'; choices: readonly { value: string; label: string }[]; reasoning?: string }
    | { key: 'samplePrompts'; kind: 'lines' }
    | { key: 'sampleSeeds'; kind: 'seeds' }
    | { key: FieldKey; kind: 'switch' }
  );

/** Whether a field applies under the current values (`valueOf` reads a setting, edits first). */
export function fieldShown(field: TrainingField, valueOf: (key: FieldKey) => unknown): boolean {
  if (!field.onlyWhen) return true;
  const other = [...mainFields, ...advancedFields].find((f) => f.key === field.onlyWhen!.key);
  return (valueOf(field.onlyWhen.key) ?? other?.whenAbsent) === field.onlyWhen.value;
}

const schedulerLabels: Record<(typeof schedulers)[number], string> = {
  constant: 'Constant',
  'constant-with-warmup': 'Constant with warmup',
  linear: 'Linear',
  cosine: 'Cosine',
  'cosine-with-restarts': 'Cosine with restarts',
};

/** The field's `reasoning` names the line of the preflight's reasoning that explains its proposed value. */
export const mainFields: TrainingField[] = [
  { key: 'steps', label: 'Steps', kind: 'integer', range: trainingLimits.steps, reasoning: 'steps', hint: 'Typically 500–2000: start at images × 100, and stop early if the loss plateaus or rises.' },
  { key: 'lr', label: 'Learning rate', kind: 'number', range: trainingLimits.lr, step: 0.00001, reasoning: 'lr', hint: 'Subject 1e-4 – 4e-4, style 5e-5 – 2e-4, object 1e-4 – 3e-4.' },
  {
    key: 'scheduler',
    label: 'Scheduler',
    kind: 'choice',
    choices: schedulers.map((value) => ({ value, label: schedulerLabels[value] })),
    hint: 'Subjects: cosine with restarts; styles: constant with warmup; objects: cosine. Cosine decay is the safest general choice.',
  },
  { key: 'rank', label: 'Rank', kind: 'integer', range: trainingLimits.rank, reasoning: 'rank', hint: '4–8 for simple concepts (small, fast); 16 is the balanced default; 32–64 for more detail (larger, slower).' },
  { key: 'alpha', label: 'Alpha', kind: 'number', range: trainingLimits.alpha, hint: 'Equal to rank is common; rank / 2 for a subtler adaptation.' },
  { key: 'batchSize', label: 'Batch size', kind: 'integer', range: trainingLimits.batchSize, reasoning: 'batch', hint: 'On a 24 GB GPU: batch size 1 with gradient accumulation 4.' },
  { key: 'gradAccum', label: 'Gradient accumulation', kind: 'integer', range: trainingLimits.gradAccum, hint: 'Adds up several batches before each update: the effect of a larger batch without its memory.' },
  { key: 'resolution', label: 'Resolution', kind: 'integer', range: trainingLimits.resolution, hint: '512 saves memory but is softer; the model is optimized for 1024, and LoRAs trained at 1024 are better.' },
  { key: 'checkpointEvery', label: 'Checkpoint every', kind: 'integer', range: trainingLimits.checkpointEvery, reasoning: 'checkpointEvery', hint: 'Every 250–500 steps: the best LoRA is rarely the last step, so keep the ones in between to compare.' },
  { key: 'sampleEvery', label: 'Sample every', kind: 'integer', range: trainingLimits.sampleEvery, hint: 'Steps between sample images, to watch the concept arrive (0: no samples).' },
  { key: 'samplePrompts', label: 'Sample prompts', kind: 'lines', hint: 'One per line, with the trigger word; wildly different prompts show whether the LoRA holds up beyond its training images.' },
  { key: 'sampleSeeds', label: 'Sample seeds', kind: 'seeds', hint: 'Fixed seeds, so samples of different steps can be compared.' },
];

export const advancedFields: TrainingField[] = [
  { key: 'warmupSteps', label: 'Warmup steps', kind: 'integer', range: trainingLimits.warmupSteps, hint: 'Steps at a rising learning rate before the schedule starts.' },
  { key: 'cycles', label: 'Restart cycles', kind: 'integer', range: trainingLimits.cycles, hint: 'How many times cosine with restarts starts over.' },
  {
    key: 'targets',
    label: 'Layers',
    kind: 'choice',
    choices: [
      { value: 'attention', label: 'Attention only' },
      { value: 'all-linear', label: 'All linear layers' },
    ],
    hint: 'Which layers get adapters: attention only is smaller; all linear layers learn more.',
  },
  {
    key: 'basePrecision',
    label: 'Base precision',
    kind: 'choice',
    choices: [
      { value: 'bf16', label: 'bf16: as stored, most faithful, most memory' },
      { value: 'fp8', label: 'fp8: half the size of bf16, small rounding of the base' },
      { value: 'int8', label: 'int8: half the size of bf16, rounding spread evenly per channel' },
    ],
    hint: 'How the frozen base model is held while training; the LoRA itself is always trained in full precision. fp8 and int8 halve the stored weights, but the engine does not yet lower the peak memory of a step with them (README, Memory requirements).',
  },
  {
    key: 'adapter',
    label: 'Adapter type',
    kind: 'choice',
    choices: [
      { value: 'lora', label: 'LoRA: a low-rank pair per layer' },
      { value: 'lokr', label: 'LoKr: a Kronecker product per layer' },
      { value: 'loha', label: 'LoHa: a Hadamard product of two low-rank pairs' },
    ],
    whenAbsent: 'lora',
    hint: 'LoRA is what every tool reads; LoKr and LoHa reach higher ranks for the same size and are saved in LyCORIS keys (ComfyUI reads them, PEFT export does not).',
  },
  { key: 'lokrFactor', label: 'LoKr factor', kind: 'integer', range: trainingLimits.lokrFactor, whenAbsent: -1, onlyWhen: { key: 'adapter', value: 'lokr' }, hint: 'Splits each layer into two Kronecker factors by this number; -1 splits it as evenly as it divides.' },
  { key: 'ema', label: 'EMA decay', kind: 'number', range: trainingLimits.ema, step: 0.0001, whenAbsent: 0, hint: 'Keeps a moving average of the adapter beside it, often smoother; Compare and Export can use either (0: off, 0.999–0.9999 when used).' },
  { key: 'unmaskedWeight', label: 'Unmasked weight', kind: 'number', range: trainingLimits.unmaskedWeight, step: 0.05, whenAbsent: 0, reasoning: 'unmaskedWeight', hint: 'For images with a mask: how much is learnt where the mask is black (0: nothing, 1: as if there were no mask).' },
  { key: 'gradientCheckpointing', label: 'Gradient checkpointing', kind: 'switch', hint: 'Recomputes each block in the backward pass instead of keeping it: far less memory for about a third more time per step.' },
  { key: 'weightDecay', label: 'Weight decay', kind: 'number', range: trainingLimits.weightDecay, step: 0.0001, hint: 'Pulls the adapter weights gently towards zero against overfitting.' },
  { key: 'clipNorm', label: 'Gradient clipping', kind: 'number', range: trainingLimits.clipNorm, step: 0.1, hint: 'Caps the gradient norm so one bad batch cannot throw training off (0: off).' },
  { key: 'seed', label: 'Training seed', kind: 'integer', range: trainingLimits.seed, hint: 'The same seed and settings train the same LoRA again.' },
  { key: 'sampleSteps', label: 'Sample steps', kind: 'integer', range: trainingLimits.sampleSteps, hint: 'Denoising steps per sample image: more is slower and cleaner.' },
  { key: 'sampleGuidance', label: 'Sample guidance', kind: 'number', range: trainingLimits.sampleGuidance, step: 0.5, hint: 'How strictly samples follow the prompt.' },
  { key: 'captionDropout', label: 'Caption dropout', kind: 'number', range: trainingLimits.captionDropout, step: 0.05, hint: 'Share of steps trained without a caption, so the concept is learnt beyond the words.' },
  { key: 'tagShuffle', label: 'Shuffle tags', kind: 'switch', hint: 'Shuffles comma-separated tags after the trigger word, which stays first.' },
  { key: 'preservation', label: 'Output preservation', kind: 'number', range: trainingLimits.preservation, step: 0.05, reasoning: 'preservation', hint: 'Share of steps trained without the trigger toward what the base model draws, so prompts without the trigger stay as they were (0: off).' },
  { key: 'priorImages', label: 'Prior-preservation images', kind: 'integer', range: trainingLimits.priorImages, hint: 'Pictures the base model draws from your captions without the trigger, trained on alongside, so prompts without the trigger keep their look (0: off).' },
  { key: 'flip', label: 'Mirror images', kind: 'switch', hint: 'Flips images at random: more variety, but not for asymmetric subjects or text.' },
];

/** The guide's expectations for the loss, shown beside the chart (§4). */
export const healthyLossText = 'Healthy: a sharp drop in the first 200–300 steps, then a stable low plateau. Loss that keeps dropping without settling signals overfitting.';

/** Typical final loss per LoRA type, for FLUX.2-class models (other models differ). */
const typicalFinalLoss: Record<LoraType, [number, number] | null> = {
  subject: [0.05, 0.15],
  style: [0.08, 0.2],
  object: null,
};

/**
 * The typical-final-loss band for a run, or null: the figures come from large FLUX.2 models; the 32-px embedded
 * default settles at other values, and a band there would tell a healthy run it is wrong.
 */
export function typicalFinalLossFor(type: LoraType, baseModel: string): [number, number] | null {
  return baseModel === DEFAULT_BASE_MODEL ? null : typicalFinalLoss[type];
}
