import { proposeCheckpoint, type CheckpointChoiceReason, type CompareScores, type LoraExportFormat, type LoraExportPrecision, type RunDetail } from '@lora-studio/api';

export interface ProposedCheckpoint {
  step: number;
  /** Said beside the choice, so the user knows why this step and not the last. */
  reason: Exclude<CheckpointChoiceReason, 'chosen'>;
}

/** The favourite the user marked; else the best-scored checkpoint; else the latest one (the best is rarely the last). */
export function proposedCheckpoint(run: RunDetail, scores: CompareScores | null): ProposedCheckpoint | null {
  return proposeCheckpoint(run.checkpoints.map((c) => c.step), run.checkpoints.find((c) => c.favourite)?.step ?? null, scores?.best ?? null);
}

/** One line per storage precision, shown beside the choice. */
export const precisionGuide: Record<LoraExportPrecision, string> = {
  bf16: 'bf16 — half the size of fp32, what LoRAs are usually shared as; loads everywhere FLUX.2 runs.',
  fp16: 'fp16 — half the size, for tools without bf16 support; very large weights may lose range.',
  fp32: 'fp32 — exact copy of the trained weights, twice the size.',
};

/** One line per format on where the file loads (docs/flux2.md §LoRA formats). */
export const formatGuide: Record<LoraExportFormat, { label: string; loadsIn: string }> = {
  peft: {
    label: 'diffusers / PEFT',
    loadsIn: 'diffusers (pipe.load_lora_weights) and PEFT: transformer.… keys, the LoRA config in the header.',
  },
  bfl: {
    label: 'BFL + PEFT',
    loadsIn: 'ai-toolkit’s format: BFL layer names, loads in ComfyUI’s LoRA loader and in ai-toolkit.',
  },
  kohya: {
    label: 'kohya',
    loadsIn: 'kohya / musubi names with an alpha per layer: ComfyUI, Forge and kohya’s sd-scripts.',
  },
};

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** The exported file's path inside the project folder (for a /media download link), or null when it lies outside. */
export function pathInProject(projectDir: string, path: string): string | null {
  const root = projectDir.replace(/[\\/]+$/, '');
  const normal = path.split('\\').join('/');
  const prefix = `${root.split('\\').join('/')}/`;
  return normal.startsWith(prefix) ? normal.slice(prefix.length) : null;
}
