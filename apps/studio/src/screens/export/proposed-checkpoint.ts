import type { CompareScores, LoraExportFormat, RunDetail } from '@lora-studio/api';

export interface ProposedCheckpoint {
  step: number;
  /** Said beside the choice, so the user knows why this step and not the last. */
  reason: 'your favourite' | 'best score' | 'latest checkpoint';
}

/** The favourite the user marked; else the best-scored checkpoint; else the latest one (the best is rarely the last). */
export function proposedCheckpoint(run: RunDetail, scores: CompareScores | null): ProposedCheckpoint | null {
  const steps = run.checkpoints.map((c) => c.step);
  const favourite = run.checkpoints.find((c) => c.favourite);
  if (favourite) return { step: favourite.step, reason: 'your favourite' };
  if (scores?.best !== null && scores?.best !== undefined && steps.includes(scores.best)) return { step: scores.best, reason: 'best score' };
  if (steps.length === 0) return null;
  return { step: Math.max(...steps), reason: 'latest checkpoint' };
}

/** One line per format on where the file loads (shared/reference/flux2.md §7). */
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
