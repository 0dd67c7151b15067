// Which FLUX.2 a download is, and how it samples: the one place that names variants (dev, klein 4B / 9B),
// base vs distilled, the LoRA architecture string and the sampling defaults. The engine's description of an opened
// model and the model library's description of a partial download both come through here.

export type Flux2Variant = 'dev' | 'klein-4b' | 'klein-9b' | 'custom';
/** base: undistilled (trains best); distilled: few-step klein; guidance-distilled: dev's guidance embedding. */
export type Flux2Training = 'base' | 'distilled' | 'guidance-distilled' | 'unknown';

export interface Flux2Shape {
  hiddenSize: number;
  doubleBlocks: number;
  singleBlocks: number;
  guidanceEmbed: boolean;
}

export interface Flux2Kind {
  variant: Flux2Variant;
  training: Flux2Training;
  /** "FLUX.2 [klein] base 4B" */
  label: string;
  /** modelspec.architecture of LoRAs trained on it, e.g. "Flux.2-klein-4b/lora". */
  architecture: string;
  /** How images are sampled from it, in words. */
  sampling: string;
  /** Default denoising steps and guidance for its samples (CFG weight, or the embedded guidance for dev). */
  sampleSteps: number;
  sampleGuidance: number;
}

const KNOWN_SIZES: { variant: Exclude<Flux2Variant, 'custom'>; hidden: number; double: number; single: number }[] = [
  { variant: 'dev', hidden: 6144, double: 8, single: 48 },
  { variant: 'klein-9b', hidden: 4096, double: 8, single: 24 },
  { variant: 'klein-4b', hidden: 3072, double: 5, single: 20 },
];

export interface Flux2KindHints {
  /** model_index.json's is_distilled, when the download says. */
  distilledFlag?: boolean;
  /** The text encoder's family when known: Qwen3 belongs to klein, Mistral 3 to dev. */
  textFamily?: 'qwen3' | 'mistral3';
  /** Folder and file names: BFL calls the undistilled klein checkpoints "klein-base". */
  names: string;
}

/**
 * Base or distilled: dev is guidance-distilled (the embedding says so); klein downloads say is_distilled in
 * model_index.json; otherwise BFL's names tell ("klein-base" is undistilled, plain "klein" is step-distilled).
 */
function trainingOf(shape: Flux2Shape, hints: Flux2KindHints): Flux2Training {
  if (shape.guidanceEmbed) return 'guidance-distilled';
  if (hints.distilledFlag !== undefined) return hints.distilledFlag ? 'distilled' : 'base';
  if (/base/i.test(hints.names)) return 'base';
  if (hints.textFamily === 'qwen3' || /klein/i.test(hints.names)) return 'distilled';
  return 'unknown';
}

export function flux2Kind(shape: Flux2Shape, hints: Flux2KindHints): Flux2Kind {
  const known = KNOWN_SIZES.find((k) => k.hidden === shape.hiddenSize && k.double === shape.doubleBlocks && k.single === shape.singleBlocks);
  const variant: Flux2Variant = known?.variant ?? 'custom';
  const training = trainingOf(shape, hints);
  const size = variant === 'klein-4b' ? '4B' : '9B';
  const label =
    variant === 'dev' ? 'FLUX.2 [dev]'
    : variant === 'custom' ? `FLUX.2-shaped model (hidden ${shape.hiddenSize}, ${shape.doubleBlocks} double + ${shape.singleBlocks} single blocks)`
    : `FLUX.2 [klein] ${training === 'base' ? 'base ' : ''}${size}${training === 'distilled' ? ' (distilled)' : ''}`;
  const dev = variant === 'dev' || (variant === 'custom' && hints.textFamily === 'mistral3');
  const architecture = `${dev ? 'Flux.2-dev' : `Flux.2-klein-${variant === 'custom' ? 'custom' : size.toLowerCase()}`}/lora`;
  // The FLUX.2 pipelines' defaults: klein base 50 steps with real CFG at 4 against an empty negative prompt; distilled
  // klein 4 steps without guidance; dev 50 steps with guidance 4 fed to its guidance embedding (no negative pass).
  const sampling =
    training === 'guidance-distilled' ? { steps: 50, guidance: 4, words: 'the guidance embedding (guidance 4, 50 steps, no negative prompt)' }
    : training === 'distilled' ? { steps: 4, guidance: 1, words: '4 steps without classifier-free guidance' }
    : { steps: 50, guidance: 4, words: 'real classifier-free guidance with a negative prompt (scale 4, 50 steps)' };
  return { variant, training, label, architecture, sampling: sampling.words, sampleSteps: sampling.steps, sampleGuidance: sampling.guidance };
}
