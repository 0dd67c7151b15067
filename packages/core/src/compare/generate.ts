// Text-to-image with the base model and, optionally, a LoRA at a scale: a batch of N images from seeds
// seed, seed+1, … so any one of them can be made again on its own.
import { InvalidInputError } from '@lora-studio/api';
import type { Adapter } from '@lora-studio/models';
import type { RgbImage } from '@lora-studio/trainer';
import type { ImageRenderer } from './renderer';

export const DEFAULT_GENERATE_STEPS = 20;
export const MAX_BATCH = 16;

export interface GenerateRequest {
  prompt: string;
  negativePrompt?: string;
  /** Default: the model's sample guidance (FLUX.2: 3.5–5, CFG for the embedded model). */
  guidance?: number;
  steps?: number;
  seed: number;
  width?: number;
  height?: number;
  lora?: Adapter | null;
  scale?: number;
  /** Edit LoRAs: reference picture files, in order (see RenderRequest.references). */
  references?: readonly string[];
  /** How many images; default 1. */
  batch?: number;
  onImage?: (index: number, total: number) => void;
}

export interface GeneratedImage {
  seed: number;
  image: RgbImage;
}

/** The guide: stay within 0.6–0.9; above 1.0 a LoRA oversaturates and makes artifacts. */
export function loraScaleWarning(scale: number): string | null {
  return scale > 1 ? `LoRA scale ${scale} is above 1.0; expect oversaturated colours and artifacts. The guide suggests 0.6–0.9.` : null;
}

export async function generateImages(renderer: ImageRenderer, req: GenerateRequest): Promise<GeneratedImage[]> {
  const batch = req.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) throw new InvalidInputError(`The batch size must be a whole number from 1 to ${MAX_BATCH} (got ${batch}).`);
  if (!req.prompt.trim()) throw new InvalidInputError('Write a prompt to generate an image.');
  const settings = {
    prompt: req.prompt,
    negativePrompt: req.negativePrompt ?? '',
    guidance: req.guidance ?? renderer.defaultGuidance,
    steps: req.steps ?? renderer.defaultSteps,
    width: req.width ?? renderer.defaultSize.width,
    height: req.height ?? renderer.defaultSize.height,
    lora: req.lora ?? null,
    scale: req.scale ?? 1,
  };
  // Encoded once for the whole batch: every image reads the same references.
  const references = req.references?.length ? await renderer.encodeReferences(req.references, settings.width, settings.height) : undefined;
  const out: GeneratedImage[] = [];
  for (let i = 0; i < batch; i++) {
    out.push({ seed: req.seed + i, image: await renderer.render({ ...settings, seed: req.seed + i, references }) });
    req.onImage?.(i + 1, batch);
  }
  return out;
}
