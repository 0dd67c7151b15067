// How the Models screen words a base model and a download: counts people read at a glance, not raw numbers.
import type { BaseModelInfo, ModelComponentInfo, ModelEvents } from '@lora-studio/api';
import { formatBytes } from '../export/proposed-checkpoint';

export { formatBytes };

/** 3_880_000_000 → "3.88 B", 6_500_000 → "6.5 M", 812 → "812". */
export function formatParameters(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)} M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)} K`;
  return String(count);
}

/** "3.88 B parameters in BF16" — precision as the files store it, most parameters first. */
export function componentWords(c: ModelComponentInfo): string {
  if (c.parameters === 0) return 'no weights found';
  return `${formatParameters(c.parameters)} parameters${c.precision.length ? ` in ${c.precision.join(' + ')}` : ''}`;
}

export function trainingWords(info: BaseModelInfo['description']): string {
  switch (info.training) {
    case 'base':
      return 'base checkpoint: trains best';
    case 'distilled':
      return 'step-distilled: made for fast inference; LoRAs train better on the base checkpoint';
    case 'guidance-distilled':
      return 'guidance-distilled: the guidance scale is an input of the model';
    default:
      return 'not recognised as base or distilled';
  }
}

/** Whole seconds as "45 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "1.2 GB of 7.8 GB (15 %) at 45.0 MB/s, about 2 min 27 s left — file 3 of 12". */
export function downloadWords(p: ModelEvents['model-download-progress']): string {
  const share = p.bytesTotal > 0 ? ` (${Math.floor((100 * p.bytesDone) / p.bytesTotal)} %)` : '';
  const rate = p.bytesPerSecond > 0 ? ` at ${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds !== null ? `, about ${formatDuration(p.etaSeconds)} left` : '';
  const files = p.fileCount > 0 ? ` — file ${Math.min(p.filesDone + 1, p.fileCount)} of ${p.fileCount}` : '';
  return `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${share}${rate}${eta}${files}`;
}

/** The picker shows only models a run can use now. */
export function usableModels(models: BaseModelInfo[]): BaseModelInfo[] {
  return models.filter((m) => m.description.complete);
}
