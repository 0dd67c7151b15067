import { join } from 'node:path';
import type { LoraType } from '../common';
import { CaptionerError, type Captioner, type ImageToCaption } from './captioners/captioner';
import type { CaptionEntry, ProjectCaptions } from './project-captions';

/**
 * Which images a job may write. Reviewed captions are only replaced with 'all', which the UI sends after asking
 * the user; the CLI never sends it.
 */
export type OverwritePolicy = 'missing' | 'unreviewed' | 'all';

export interface AutoCaptionProgress {
  done: number;
  total: number;
  captioned: number;
  failed: number;
  /** The image just finished, with its new caption or its error. */
  imageId: number;
  text: string | null;
  error: string | null;
}

export interface AutoCaptionResult {
  total: number;
  captioned: number;
  /** Images left alone by the overwrite policy (reviewed, or already captioned). */
  skipped: number;
  failed: { imageId: number; message: string }[];
  cancelled: boolean;
  /** Set when a fatal error stopped the job: the message for the user. */
  stoppedBy: string | null;
}

export function imagesToCaption(entries: CaptionEntry[], policy: OverwritePolicy, only?: number[]): CaptionEntry[] {
  const wanted = only ? new Set(only) : null;
  return entries.filter((e) => {
    if (wanted ? !wanted.has(e.imageId) : e.excluded) return false;
    const empty = e.text === null || e.text.trim() === '';
    if (policy === 'missing') return empty;
    if (policy === 'unreviewed') return empty || !e.reviewed;
    return true;
  });
}

/**
 * Captions images with at most `captioner.concurrency` in flight. Each caption is written (one undo step for the
 * whole job) as soon as it arrives, so a cancel or a crash keeps every finished caption and nothing half-written.
 */
export async function runAutoCaption(opts: {
  projectDir: string;
  captions: ProjectCaptions;
  captioner: Captioner;
  trigger: string;
  type: LoraType;
  policy: OverwritePolicy;
  imageIds?: number[];
  signal: AbortSignal;
  metrics?: (imageId: number) => Record<string, unknown> | null;
  onProgress?: (p: AutoCaptionProgress) => void;
}): Promise<AutoCaptionResult> {
  const { captions, captioner } = opts;
  const entries = captions.list();
  const targets = imagesToCaption(entries, opts.policy, opts.imageIds);
  const considered = opts.imageIds ? entries.filter((e) => opts.imageIds!.includes(e.imageId)).length : entries.filter((e) => !e.excluded).length;
  const result: AutoCaptionResult = {
    total: targets.length,
    captioned: 0,
    skipped: considered - targets.length,
    failed: [],
    cancelled: false,
    stoppedBy: null,
  };
  if (targets.length === 0) return result;
  const step = captions.startStep(`Auto-caption (${captioner.label})`, 'auto');
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  const queue = [...targets];
  let done = 0;
  const worker = async () => {
    for (let entry = queue.shift(); entry && !signal.aborted; entry = queue.shift()) {
      const image: ImageToCaption = {
        imageId: entry.imageId,
        path: join(opts.projectDir, entry.file),
        width: entry.width,
        height: entry.height,
        metrics: opts.metrics?.(entry.imageId) ?? null,
      };
      let text: string | null = null;
      let error: string | null = null;
      try {
        text = await captioner.caption(image, { trigger: opts.trigger, type: opts.type }, signal);
        // The user may have reviewed this image while the model was busy: their decision wins.
        const now = captions.get(entry.imageId);
        if (now && imagesToCaption([now], opts.policy).length === 1) {
          captions.writeInto(step, [{ imageId: entry.imageId, text, source: captioner.source, reviewed: false }]);
          result.captioned++;
        } else {
          result.skipped++;
          text = null;
        }
      } catch (err) {
        if (signal.aborted && !(err instanceof CaptionerError)) break;
        error = err instanceof Error ? err.message : String(err);
        if (err instanceof CaptionerError && err.fatal) {
          result.stoppedBy ??= error;
          stop.abort();
        }
        result.failed.push({ imageId: entry.imageId, message: error });
      }
      done++;
      opts.onProgress?.({ done, total: targets.length, captioned: result.captioned, failed: result.failed.length, imageId: entry.imageId, text, error });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(captioner.concurrency, targets.length) }, worker));
  } finally {
    captions.discardIfEmpty(step);
  }
  result.cancelled = opts.signal.aborted;
  return result;
}
