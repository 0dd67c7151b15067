// Turn corpus examples into the pretraining graph's inputs. Everything random here comes from (seed, step),
// so step k of a resumed run gets the same examples, noise and times as step k of an uninterrupted one.
import { hostTensor, type HostTensor, SeededRandom } from '@lora-studio/onnx';
import type { EmojiCorpus } from './emoji-corpus';
import { patchify, tokenChannels, tokenCount, type PixelFormat } from './patchify';
import { flux2ImageIds, flux2TextIds } from '../flux2/positions';
import { contextTokens, promptIds, type TextEncoderConfig } from './text-encoder';

export interface BatchOptions {
  batch: number;
  seed: number;
  /** Fraction of captions replaced by "" so the model also learns the unconditional prediction (for guidance). */
  captionDropout: number;
  timeSampling: TimeSampling;
}

/**
 * 'logit-normal': t = sigmoid(N(0, 1)), most weight mid-path, few t near 1.
 * 'mixed': half uniform, half logit-normal shifted by 3 toward noise; sampling starts at t = 1, so the model must
 * also denoise well there (a 2-core run that only saw logit-normal times left noise in its samples).
 */
export type TimeSampling = 'logit-normal' | 'mixed';

function sampleTime(rng: SeededRandom, how: TimeSampling): number {
  const s = 1 / (1 + Math.exp(-rng.normal()));
  if (how === 'logit-normal') return s;
  const uniform = rng.uniform();
  return rng.uniform() < 0.5 ? uniform : (3 * s) / (1 + 2 * s);
}

/** Repeat one [rows, 4] id table for every batch item. */
function repeatIds(ids: Float32Array, batch: number): Float32Array {
  const out = new Float32Array(ids.length * batch);
  for (let b = 0; b < batch; b++) out.set(ids, b * ids.length);
  return out;
}

export function pretrainBatch(corpus: EmojiCorpus, image: PixelFormat, text: TextEncoderConfig, step: number, o: BatchOptions): { feeds: Record<string, HostTensor>; captions: string[] } {
  const N = tokenCount(image);
  const C = tokenChannels(image);
  const rng = new SeededRandom((o.seed * 2_654_435_761 + step * 97 + 13) >>> 0);
  const x0 = new Float32Array(o.batch * N * C);
  const captions: string[] = [];
  for (let b = 0; b < o.batch; b++) {
    const ex = corpus.example(step * o.batch + b, o.seed);
    x0.set(patchify(ex.image, image), b * N * C);
    captions.push(rng.uniform() < o.captionDropout ? '' : ex.caption);
  }
  const noise = rng.fillNormal(new Float32Array(o.batch * N * C)) as Float32Array;
  const t = Float32Array.from({ length: o.batch }, () => sampleTime(rng, o.timeSampling));
  const ids = promptIds(captions, text);
  return {
    captions,
    feeds: {
      bytes: hostTensor('int64', [o.batch, text.maxBytes], ids.bytes),
      ...(ids.words ? { words: hostTensor('int64', [o.batch, text.maxBytes], ids.words) } : {}),
      x0: hostTensor('float32', [o.batch, N, C], x0),
      noise: hostTensor('float32', [o.batch, N, C], noise),
      t: hostTensor('float32', [o.batch], t),
      img_ids: hostTensor('float32', [o.batch, N, 4], repeatIds(flux2ImageIds(image.size / image.patch, image.size / image.patch), o.batch)),
      txt_ids: hostTensor('float32', [o.batch, contextTokens(text), 4], repeatIds(flux2TextIds(contextTokens(text)), o.batch)),
    },
  };
}
