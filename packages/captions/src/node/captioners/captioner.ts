import type { LoraType } from '../../common';
import type { CaptionSource } from '../project-captions';

/** What a captioner gets to know about one image. */
export interface ImageToCaption {
  imageId: number;
  /** Absolute path of the original file. */
  path: string;
  width: number;
  height: number;
  /** The media analyzer's metrics (meanLuma, faces, …) when it has run; captioners read what they find. */
  metrics: Record<string, unknown> | null;
}

export interface CaptionContext {
  trigger: string;
  type: LoraType;
}

/** Turns one image into a draft caption. Implementations must honour `signal` (cancel) promptly. */
export interface Captioner {
  /** Stored as the caption's source, so the UI labels drafts by where they came from. */
  readonly source: CaptionSource;
  /** For progress and errors: "template", "WD tagger (wd-v1-4-vit)", "qwen2.5-vl at http://localhost:11434". */
  readonly label: string;
  /** Images captioned at once; HTTP endpoints allow a few, local models one. */
  readonly concurrency: number;
  caption(image: ImageToCaption, ctx: CaptionContext, signal: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

/**
 * A captioner failure the user can act on. `fatal` means every further image would fail the same way
 * (server unreachable, key rejected, model folder broken), so the job stops instead of repeating it.
 */
export class CaptionerError extends Error {
  override name = 'CaptionerError';
  readonly fatal: boolean;
  constructor(message: string, opts: { fatal: boolean }) {
    super(message);
    this.fatal = opts.fatal;
  }
}
