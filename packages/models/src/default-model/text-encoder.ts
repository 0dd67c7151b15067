// The default model's own text encoder: UTF-8 bytes → byte + position embeddings → a few pre-LN transformer
// layers → groups of `mergeBytes` neighbouring bytes concatenated and projected to the transformer's context width.
// Byte level means there is no word list: any word, an unseen trigger like "sks" included, has its own encoding.
// It is trained jointly with the transformer during pretraining and frozen during LoRA training.
// Optional word path (`words`, word-ids.ts): each byte also carries a learned vector of the word it belongs to,
// added after the byte layers, so the merged context tokens hold the word itself, not only its spelling.
import { add, attention, gather, gelu, layerNorm, linear, mul, reshape, transpose, type Graph, type Tensor, SeededRandom } from '@lora-studio/onnx';
import { RESERVED_WORD_ROWS, wordRowIds, wordsOf } from './word-ids';

export interface TextEncoderConfig {
  /** Captions are cut to this many UTF-8 bytes (at a character boundary) and padded with byte 0. */
  maxBytes: number;
  width: number;
  heads: number;
  layers: number;
  mlpRatio: number;
  /** Neighbouring bytes merged into one context token: context has maxBytes / mergeBytes tokens. */
  mergeBytes: number;
  contextDim: number;
  /**
   * The word path's vocabulary (word-ids.ts): the table has a row per word plus the not-a-word and unknown-word
   * rows. Absent = bytes only, the first model format.
   */
  words?: string[];
  /**
   * The word vectors are multiplied by this in the graph. They start at zero (a warm start from a bytes-only model
   * begins exactly where that model was); the factor makes Adam move the rarely seen rows of a word this much faster.
   */
  wordScale?: number;
}

export interface TensorSpec {
  name: string;
  shape: number[];
}

export function contextTokens(c: TextEncoderConfig): number {
  return c.maxBytes / c.mergeBytes;
}

export function validateTextEncoderConfig(c: TextEncoderConfig): TextEncoderConfig {
  const problems: string[] = [];
  for (const k of ['maxBytes', 'width', 'heads', 'layers', 'mlpRatio', 'mergeBytes', 'contextDim'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) problems.push(`${k} must be a positive integer (got ${c[k]})`);
  }
  if (c.width % c.heads !== 0) problems.push(`width ${c.width} must be a multiple of heads ${c.heads}`);
  if (c.words !== undefined) {
    if (!Array.isArray(c.words) || c.words.some((w) => typeof w !== 'string' || w === '' || wordsOf(w).join(' ') !== w)) {
      problems.push('words must be a list of single lower-case words');
    } else if (new Set(c.words).size !== c.words.length) problems.push('words must not repeat a word');
    if (!(typeof c.wordScale === 'number' && c.wordScale > 0)) problems.push(`wordScale must be a number > 0 with words (got ${c.wordScale})`);
  }
  if (c.maxBytes % c.mergeBytes !== 0) problems.push(`maxBytes ${c.maxBytes} must be a multiple of mergeBytes ${c.mergeBytes}`);
  if (problems.length) throw new Error(`Invalid text encoder config: ${problems.join('; ')}.`);
  return c;
}

export function textEncoderWeightSpecs(c: TextEncoderConfig): TensorSpec[] {
  const w = c.width;
  const specs: TensorSpec[] = [{ name: 'byte_embed', shape: [256, w] }, { name: 'pos_embed', shape: [c.maxBytes, w] }];
  for (let i = 0; i < c.layers; i++) {
    specs.push(
      { name: `layers.${i}.norm1.scale`, shape: [w] },
      { name: `layers.${i}.attn.qkv.weight`, shape: [3 * w, w] },
      { name: `layers.${i}.attn.proj.weight`, shape: [w, w] },
      { name: `layers.${i}.norm2.scale`, shape: [w] },
      { name: `layers.${i}.mlp.0.weight`, shape: [c.mlpRatio * w, w] },
      { name: `layers.${i}.mlp.2.weight`, shape: [w, c.mlpRatio * w] },
    );
  }
  specs.push({ name: 'norm_out.scale', shape: [w] }, { name: 'merge.weight', shape: [c.contextDim, c.mergeBytes * w] });
  if (c.words !== undefined) specs.push({ name: 'word_embed', shape: [RESERVED_WORD_ROWS + c.words.length, w] });
  return specs;
}

/** Byte/position embeddings ~ U(±0.05), linears ~ U(±1/sqrt(in)), norm gains 1, word vectors 0 (see wordScale). */
export function randomTextEncoderWeights(c: TextEncoderConfig, seed: number): Record<string, Float32Array> {
  const rng = new SeededRandom(seed);
  const out: Record<string, Float32Array> = {};
  for (const s of textEncoderWeightSpecs(c)) {
    const data = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    if (s.name.endsWith('.scale')) data.fill(1);
    else if (s.name === 'word_embed') data.fill(0);
    else if (s.name.endsWith('_embed')) rng.fillUniform(data, -0.05, 0.05);
    else rng.fillUniform(data, -1 / Math.sqrt(s.shape[1]!), 1 / Math.sqrt(s.shape[1]!));
    out[s.name] = data;
  }
  return out;
}

/** UTF-8 bytes of each prompt, cut at a character boundary and zero-padded: int64 values [B, maxBytes]. */
export function promptBytes(prompts: readonly string[], c: TextEncoderConfig): { ids: BigInt64Array; truncated: number[] } {
  const ids = new BigInt64Array(prompts.length * c.maxBytes);
  const truncated: number[] = [];
  const encoder = new TextEncoder();
  prompts.forEach((p, b) => {
    let bytes = encoder.encode(p);
    if (bytes.length > c.maxBytes) {
      truncated.push(b);
      let end = c.maxBytes;
      while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // do not split a multi-byte character
      bytes = bytes.subarray(0, end);
    }
    bytes.forEach((v, i) => { ids[b * c.maxBytes + i] = BigInt(v); });
  });
  return { ids, truncated };
}

/** The encoder's int64 inputs for `prompts`: bytes, and with the word path each byte's word row. */
export function promptIds(prompts: readonly string[], c: TextEncoderConfig): { bytes: BigInt64Array; words?: BigInt64Array; truncated: number[] } {
  const { ids, truncated } = promptBytes(prompts, c);
  return { bytes: ids, words: c.words === undefined ? undefined : wordRowIds(ids, c.maxBytes, c.words), truncated };
}

/**
 * Adds the encoder to `g`: `bytes` int64 [B, maxBytes] (and `words`, same shape, with the word path) → context
 * [B, maxBytes/mergeBytes, contextDim]. `weight(name)` gives each tensor of textEncoderWeightSpecs (a trainable
 * view, an initializer, …).
 */
export function buildTextEncoder(g: Graph, c: TextEncoderConfig, weight: (name: string) => Tensor, bytes: Tensor, batch: number, words?: Tensor): Tensor {
  if ((c.words !== undefined) !== (words !== undefined)) {
    throw new Error(c.words === undefined ? 'This text encoder has no word path; do not pass word ids.' : 'This text encoder has a word path; pass the word ids (promptIds).');
  }
  const { width: w, heads: h, maxBytes: L } = c;
  const dh = w / h;
  return g.scope('text_encoder', () => {
    let x = add(gather(weight('byte_embed'), bytes, 0), weight('pos_embed'));
    const ln = (t: Tensor, name: string) => layerNorm(t, weight(name), null, { epsilon: 1e-6 });
    const split = (t: Tensor) => transpose(reshape(t, [batch, L, 3, h, dh]), [2, 0, 3, 1, 4]);
    for (let i = 0; i < c.layers; i++) {
      const p = `layers.${i}`;
      x = g.scope(p, () => {
        const qkv = split(linear(ln(x, `${p}.norm1.scale`), weight(`${p}.attn.qkv.weight`)));
        const part = (k: number) => reshape(gatherIndex(g, qkv, k), [batch, h, L, dh]);
        const a = reshape(transpose(attention(part(0), part(1), part(2)), [0, 2, 1, 3]), [batch, L, w]);
        const y = add(x, linear(a, weight(`${p}.attn.proj.weight`)));
        const m = linear(gelu(linear(ln(y, `${p}.norm2.scale`), weight(`${p}.mlp.0.weight`)), 'tanh'), weight(`${p}.mlp.2.weight`));
        return add(y, m);
      });
    }
    let out = ln(x, 'norm_out.scale');
    if (words) out = add(out, mul(gather(weight('word_embed'), words, 0), c.wordScale!));
    const merged = reshape(out, [batch, contextTokens(c), c.mergeBytes * w]);
    return linear(merged, weight('merge.weight'));
  });
}

/** x[k] along axis 0 with that axis dropped. */
function gatherIndex(g: Graph, x: Tensor, k: number): Tensor {
  return gather(x, g.constant('int64', [], [k]), 0);
}
