import { describe, expect, it } from 'vitest';
import { createSession, Graph, hostTensor, serializeGraph } from '@lora-studio/onnx';
import { frozenWeights } from './graph-weights';
import { buildTextEncoder, promptBytes, randomTextEncoderWeights, textEncoderWeightSpecs, type TextEncoderConfig } from './text-encoder';

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
});
