import { describe, expect, it } from 'vitest';
import { checkGradients, createSession, Graph, hostTensor, mul, reduceSum, seededValues, serializeGraph, type HostTensor, type Tensor } from '@lora-studio/onnx';
import { frozenWeights } from './graph-weights';
import { buildTextEncoder, promptBytes, promptIds, randomTextEncoderWeights, textEncoderWeightSpecs, type TextEncoderConfig } from './text-encoder';

const config: TextEncoderConfig = { maxBytes: 32, width: 16, heads: 2, layers: 1, mlpRatio: 2, mergeBytes: 4, contextDim: 24 };

describe('byte-level text encoder', () => {
  it('cuts long prompts at a character boundary and pads with zero bytes', () => {
    const { ids, truncated } = promptBytes(['ab', `${'x'.repeat(31)}é`], config);
    expect(Array.from(ids.slice(0, 4), Number)).toEqual([97, 98, 0, 0]);
    expect(truncated).toEqual([1]);
    expect(Number(ids[32 + 31])).toBe(0); // the two-byte é did not fit, so neither byte is kept
  });

  it('gives an unseen trigger word its own encoding', async () => {
    const g = new Graph('te');
    const bytes = g.input('bytes', 'int64', [3, config.maxBytes]);
    g.output(buildTextEncoder(g, config, frozenWeights(g, textEncoderWeightSpecs(config), randomTextEncoderWeights(config, 4)), bytes, 3), 'context');
    const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1 });
    const { ids } = promptBytes(['a photo of sks', 'a photo of skz', 'a photo of sks'], config);
    const { outputs } = await session.run({ bytes: hostTensor('int64', [3, config.maxBytes], ids) });
    expect(outputs.context!.dims).toEqual([3, 8, 24]);
    const ctx = outputs.context!.data as Float32Array;
    const row = (b: number) => ctx.subarray(b * 8 * 24, (b + 1) * 8 * 24);
    const distance = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));
    expect(distance(row(0), row(1))).toBeGreaterThan(1e-3);
    expect(distance(row(0), row(2))).toBe(0);
    await session.release();
  });

  const withWords: TextEncoderConfig = { ...config, words: ['a', 'apple', 'red', 'tiger', 'tulip'], wordScale: 2 };

  /** Context of `prompts` under `c` with `weights` (float32 initializers). */
  async function encode(c: TextEncoderConfig, weights: Record<string, Float32Array>, prompts: string[]): Promise<Float32Array> {
    const g = new Graph('te');
    const B = prompts.length;
    const bytes = g.input('bytes', 'int64', [B, c.maxBytes]);
    const words = c.words === undefined ? undefined : g.input('words', 'int64', [B, c.maxBytes]);
    g.output(buildTextEncoder(g, c, frozenWeights(g, textEncoderWeightSpecs(c), weights), bytes, B, words), 'context');
    const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1 });
    const ids = promptIds(prompts, c);
    const { outputs } = await session.run({
      bytes: hostTensor('int64', [B, c.maxBytes], ids.bytes), ...(ids.words ? { words: hostTensor('int64', [B, c.maxBytes], ids.words) } : {}),
    });
    await session.release();
    return outputs.context!.data as Float32Array;
  }

  it('with an all-zero word table encodes exactly as the bytes-only encoder (a warm start begins where it was)', async () => {
    const fresh = randomTextEncoderWeights(withWords, 5);
    expect(fresh.word_embed!.every((v) => v === 0)).toBe(true);
    const bytesOnly = randomTextEncoderWeights(config, 5);
    const prompts = ['tulip on a blue background', 'a photo of sks'];
    expect(Array.from(await encode(withWords, { ...bytesOnly, word_embed: fresh.word_embed! }, prompts))).toEqual(Array.from(await encode(config, bytesOnly, prompts)));
  });

  it('changes the context by the learned vector of each word', async () => {
    const weights = randomTextEncoderWeights(withWords, 6);
    weights.word_embed = Float32Array.from(seededValues(weights.word_embed!.length, 7));
    const prompts = ['a tulip', 'a tiger'];
    const moved = await encode(withWords, weights, prompts);
    const still = await encode(withWords, { ...weights, word_embed: new Float32Array(weights.word_embed.length) }, prompts);
    const gap = (ctx: Float32Array) => ctx.subarray(0, ctx.length / 2).reduce((s, v, i) => s + (v - ctx[ctx.length / 2 + i]!) ** 2, 0);
    expect(gap(moved)).toBeGreaterThan(gap(still));
    expect(() => buildTextEncoder(new Graph('x'), withWords, () => { throw new Error('unused'); }, new Graph('y').input('b', 'int64', [1, 32]), 1)).toThrow(/word ids/);
  });

  it('has analytic gradients for the word table and the weights after it that match finite differences', async () => {
    const g = new Graph('grad');
    const weights = randomTextEncoderWeights(withWords, 8);
    const checked = ['word_embed', 'norm_out.scale', 'merge.weight'];
    const inputs = new Map<string, Tensor>();
    const feeds: Record<string, HostTensor> = {};
    for (const s of textEncoderWeightSpecs(withWords)) {
      inputs.set(s.name, g.input(s.name.replace(/\./g, '_'), 'float64', s.shape));
      const values = s.name === 'word_embed' ? seededValues(weights.word_embed!.length, 9) : Float64Array.from(weights[s.name]!);
      feeds[inputs.get(s.name)!.name] = hostTensor('float64', s.shape, values);
    }
    const ids = promptIds(['red apple', 'sks'], withWords);
    const bytes = g.input('bytes', 'int64', [2, withWords.maxBytes]);
    const words = g.input('words', 'int64', [2, withWords.maxBytes]);
    feeds.bytes = hostTensor('int64', [2, withWords.maxBytes], ids.bytes);
    feeds.words = hostTensor('int64', [2, withWords.maxBytes], ids.words!);
    const context = buildTextEncoder(g, withWords, (n) => inputs.get(n)!, bytes, 2, words);
    const probe = g.input('probe', 'float64', [2, 8, 24]);
    feeds.probe = hostTensor('float64', [2, 8, 24], seededValues(2 * 8 * 24, 10));
    const r = await checkGradients(reduceSum(mul(context, probe)), checked.map((n) => inputs.get(n)!), feeds, { maxElementsPerTensor: 40 });
    expect(r.checkedElements).toBeGreaterThan(0);
    expect(r.maxRelError, JSON.stringify(r.relError)).toBeLessThan(1e-6);
  }, 60_000);
});
