import type { GeneratedImage, RunDetail } from '@lora-studio/api';
import type { GenerateRequest } from '../../store/generate-slice';

/** The Generate form as typed (strings, so a half-typed number is not lost). */
export interface GenerateForm {
  prompt: string;
  negativePrompt: string;
  guidance: string;
  steps: string;
  /** Blank: a random seed. */
  seed: string;
  /** "default" (the model's own size) or "W×H". */
  size: string;
  /** "none", or the checkpoint step of the picked run. */
  lora: string;
  scale: string;
  batch: string;
  /** Edit LoRAs: project image ids as text ('' = empty slot), in the order the model reads them. */
  references: string[];
}

export const GUIDANCE_HINT = 'FLUX.2 works best at 3.5–5 (default 4), lower than SDXL.';
export const SCALE_WARNING = 'Above 1.0 a LoRA oversaturates and produces artifacts; the guide suggests 0.6–0.9 (start at 0.8).';

export const sizeChoices = ['default', '512×512', '768×768', '1024×1024', '1152×896', '896×1152'] as const;

export function initialForm(prompt: string): GenerateForm {
  return { prompt, negativePrompt: '', guidance: '4', steps: '20', seed: '', size: 'default', lora: 'none', scale: '0.8', batch: '1', references: [] };
}

/** The checkpoint Generate offers first: the favourite, else the latest; "none" when the run has no checkpoint. */
export function defaultLora(run: RunDetail | null): string {
  if (!run || run.checkpoints.length === 0) return 'none';
  const favourite = run.checkpoints.find((c) => c.favourite);
  return String(favourite?.step ?? Math.max(...run.checkpoints.map((c) => c.step)));
}

function numberIn(text: string, name: string, min: number, max: number, integer: boolean): number | string {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return `${name} needs a number.`;
  if (integer && !Number.isInteger(n)) return `${name} is a whole number.`;
  if (n < min || n > max) return `${name} goes from ${min} to ${max}.`;
  return n;
}

/** The request the form describes, or the first thing to fix, in words. */
export function generateRequest(form: GenerateForm, runId: number | null): { request: GenerateRequest } | { problem: string } {
  const prompt = form.prompt.trim();
  if (prompt === '') return { problem: 'Write a prompt.' };
  const guidance = numberIn(form.guidance, 'Guidance', 0, 30, false);
  const steps = numberIn(form.steps, 'Steps', 1, 200, true);
  const batch = numberIn(form.batch, 'Batch size', 1, 16, true);
  const seed = form.seed.trim() === '' ? undefined : numberIn(form.seed, 'Seed', 0, 2 ** 31 - 1, true);
  const withLora = form.lora !== 'none' && runId !== null;
  const scale = withLora ? numberIn(form.scale, 'LoRA scale', 0, 2, false) : 1;
  for (const value of [guidance, steps, batch, seed, scale]) if (typeof value === 'string') return { problem: value };
  const size = /^(\d+)×(\d+)$/.exec(form.size);
  // Empty slots are skipped: the pictures chosen keep their order.
  const references = form.references.filter((r) => r !== '').map(Number);
  const request: GenerateRequest = {
    prompt,
    guidance: guidance as number,
    steps: steps as number,
    batch: batch as number,
    ...(form.negativePrompt.trim() ? { negativePrompt: form.negativePrompt.trim() } : {}),
    ...(seed !== undefined ? { seed: seed as number } : {}),
    ...(size ? { width: Number(size[1]), height: Number(size[2]) } : {}),
    ...(withLora ? { lora: { runId, step: Number(form.lora) }, scale: scale as number } : {}),
    ...(references.length ? { references } : {}),
  };
  return { request };
}

export function scaleTooHigh(form: GenerateForm): boolean {
  return form.lora !== 'none' && Number(form.scale) > 1;
}

/** "run 3, step 400 ×0.8", "no LoRA": which LoRA made a history image. */
export function loraLabel(image: GeneratedImage, runName: (runId: number) => string | undefined): string {
  if (!image.lora) return 'no LoRA';
  if ('file' in image.lora) return `${image.lora.file.split(/[\\/]/).pop()} ×${image.scale}`;
  return `${runName(image.lora.runId) ?? `run ${image.lora.runId}`}, step ${image.lora.step.toLocaleString()} ×${image.scale}`;
}
