import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { insertTrigger } from '../../common';
import { CaptionerError, type Captioner } from './captioner';
import { CHARACTER_CATEGORY, parseTagsCsv, RATING_CATEGORY, type TaggerTag } from './tags-csv';

export interface TaggerOptions {
  /** General tags scoring at least this are kept (WD-1.4 default 0.35). */
  threshold: number;
  /** Character tags need more confidence (default 0.85). */
  characterThreshold: number;
  /** Tags never written, e.g. the concept's own features ("red hair") that the trigger should carry. */
  excludedTags: string[];
  /** At most this many tags per caption, best first. */
  maxTags: number;
}

export const defaultTaggerOptions: TaggerOptions = { threshold: 0.35, characterThreshold: 0.85, excludedTags: [], maxTags: 40 };

export interface ScoredTag {
  tag: string;
  score: number;
  category: number;
}

/** Kaomoji tags keep their underscores; every other tag reads as words ("long_hair" → "long hair"). */
const KAOMOJI = new Set(['^_^', '>_<', '=_=', 'o_o', '0_0', '(o)_(o)', '+_+', '@_@', '<o>_<o>', '|_|', '._.', '^_^;', '>_o', ';_;', 'x_x', 'u_u', '3_3', 'o_o;']);
export function tagText(name: string): string {
  return KAOMOJI.has(name) ? name : name.replace(/_/g, ' ');
}

interface InputLayout {
  name: string;
  size: number;
  /** true: [batch, height, width, 3] (WD-1.4); false: [batch, 3, height, width]. */
  channelsLast: boolean;
}

/**
 * A WD-1.4-style tagger folder: model.onnx (image in, one sigmoid score per tag out) and selected_tags.csv.
 * Loading checks that the two agree, so a mismatched folder fails here with a clear message rather than
 * producing nonsense tags.
 */
export class OnnxTagger implements Captioner {
  readonly source = 'onnx' as const;
  readonly concurrency = 1;
  readonly label: string;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly input: InputLayout,
    private readonly output: string,
    private readonly tagList: TaggerTag[],
    private readonly options: TaggerOptions,
    dir: string,
  ) {
    this.label = `WD tagger (${basename(dir)})`;
  }

  static async load(dir: string, options: Partial<TaggerOptions> = {}): Promise<OnnxTagger> {
    const fail = (why: string) => new CaptionerError(`The tagger folder ${dir} cannot be used: ${why}`, { fatal: true });
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw fail('it does not exist or is not a folder.');
    const modelFile = join(dir, 'model.onnx');
    const tagsFile = join(dir, 'selected_tags.csv');
    const missing = [modelFile, tagsFile].filter((f) => !existsSync(f)).map((f) => basename(f));
    if (missing.length > 0) {
      throw fail(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing. A WD-1.4 tagger folder holds model.onnx and selected_tags.csv.`);
    }
    let tags: TaggerTag[];
    try {
      tags = parseTagsCsv(readFileSync(tagsFile, 'utf8'), 'selected_tags.csv');
    } catch (err) {
      throw fail((err as Error).message);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelFile, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
    } catch (err) {
      throw fail(`model.onnx could not be loaded (${firstLine(err)}). Download the tagger again; the file may be incomplete.`);
    }
    try {
      const input = inputLayout(session);
      const output = checkOutput(session, tags.length);
      return new OnnxTagger(session, input, output, tags, { ...defaultTaggerOptions, ...options }, dir);
    } catch (err) {
      await session.release();
      throw fail((err as Error).message);
    }
  }

  /** Every tag at or above its threshold, best first, excluded and rating tags removed. */
  async tags(path: string): Promise<ScoredTag[]> {
    const scores = await this.scores(path);
    const excluded = new Set(this.options.excludedTags.map((t) => t.trim().toLowerCase().replace(/_/g, ' ')));
    const kept: ScoredTag[] = [];
    this.tagList.forEach((t, i) => {
      const score = scores[i]!;
      if (t.category === RATING_CATEGORY) return;
      const threshold = t.category === CHARACTER_CATEGORY ? this.options.characterThreshold : this.options.threshold;
      if (score < threshold) return;
      const tag = tagText(t.name);
      if (excluded.has(tag.toLowerCase())) return;
      kept.push({ tag, score, category: t.category });
    });
    return kept.sort((a, b) => b.score - a.score || a.tag.localeCompare(b.tag)).slice(0, this.options.maxTags);
  }

  async caption(image: { path: string }, ctx: { trigger: string; type: 'subject' | 'style' | 'object' }, signal: AbortSignal): Promise<string> {
    signal.throwIfAborted();
    const tags = (await this.tags(image.path)).map((t) => t.tag);
    return insertTrigger(tags.join(', '), ctx.trigger, ctx.type).text;
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async scores(path: string): Promise<Float32Array> {
    const { size, channelsLast, name } = this.input;
    // WD-1.4 preprocessing: transparent areas on white, padded to a white square, BGR order, 0..255 floats.
    let rgb: Buffer;
    try {
      rgb = await sharp(path)
        .flatten({ background: '#ffffff' })
        .resize(size, size, { fit: 'contain', background: '#ffffff', kernel: 'cubic' })
        .removeAlpha()
        .raw()
        .toBuffer();
    } catch (err) {
      throw new CaptionerError(`${basename(path)} could not be read as an image (${firstLine(err)}).`, { fatal: false });
    }
    const pixels = size * size;
    const data = new Float32Array(pixels * 3);
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < 3; c++) {
        const value = rgb[p * 3 + (2 - c)]!;
        data[channelsLast ? p * 3 + c : c * pixels + p] = value;
      }
    }
    const dims = channelsLast ? [1, size, size, 3] : [1, 3, size, size];
    const result = await this.session.run({ [name]: new ort.Tensor('float32', data, dims) });
    return result[this.output]!.data as Float32Array;
  }
}

function inputLayout(session: ort.InferenceSession): InputLayout {
  if (session.inputNames.length !== 1) {
    throw new Error(`model.onnx takes ${session.inputNames.length} inputs; a tagger takes exactly one image.`);
  }
  const meta = session.inputMetadata[0]!;
  if (!meta.isTensor || meta.type !== 'float32' || meta.shape.length !== 4) {
    throw new Error('model.onnx does not take a float32 image tensor of rank 4 ([batch, height, width, 3]).');
  }
  const [, a, b, c] = meta.shape;
  if (c === 3 && typeof a === 'number' && a === b) return { name: meta.name, size: a, channelsLast: true };
  if (a === 3 && typeof b === 'number' && b === c) return { name: meta.name, size: b, channelsLast: false };
  throw new Error(`model.onnx takes input shape [${meta.shape.join(', ')}]; a tagger takes a fixed square image [batch, size, size, 3].`);
}

function checkOutput(session: ort.InferenceSession, tagCount: number): string {
  const meta = session.outputMetadata[0]!;
  const width = meta.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  if (typeof width === 'number' && width !== tagCount) {
    throw new Error(`model.onnx scores ${width} tags but selected_tags.csv lists ${tagCount}; the two files come from different taggers.`);
  }
  return meta.name;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}
