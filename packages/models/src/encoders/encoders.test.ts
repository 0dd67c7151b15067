// The real-model slots on a tiny folder built in the test: folder checks, latent tokens, tokenizer, ONNX encoders.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cast, conv, Graph, serializeGraph, writeSafetensorsFile, SeededRandom } from '@lora-studio/onnx';
import { latentToTokens, tokensToLatent, type LatentStats } from './latent-tokens';
import { OnnxModelFolderError } from './model-folder';
import { loadOnnxBaseModel } from './onnx-base-model';
import { PromptTokenizer } from './prompt-tokenizer';
import { TINY_ONNX_TRANSFORMER, writeTinyOnnxModelFolder } from './tiny-onnx-model';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'encoders-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, options: Parameters<typeof writeTinyOnnxModelFolder>[1] = {}): string {
  const dir = join(root, name);
  writeTinyOnnxModelFolder(dir, options);
  return dir;
}

async function problemsOf(dir: string): Promise<string[]> {
  try {
    const m = await loadOnnxBaseModel(dir, { providers: ['cpu'], threads: 1 });
    await m.close();
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxModelFolderError);
    return (e as OnnxModelFolderError).problems;
  }
  return [];
}

describe('latent tokens', () => {
  const rng = new SeededRandom(3);
  const C = 3;
  const stats: LatentStats = {
    mean: rng.fillUniform(new Float32Array(4 * C), -1, 1) as Float32Array,
    variance: rng.fillUniform(new Float32Array(4 * C), 0.1, 3) as Float32Array,
    eps: 1e-4,
  };

  it('patchifies "c (i pi) (j pj) -> (c pi pj) i j" and normalises each token channel with the running stats', () => {
    const H = 4;
    const W = 6;
    const data = rng.fillNormal(new Float32Array(C * H * W)) as Float32Array;
    const tokens = latentToTokens({ channels: C, height: H, width: W, data }, stats);
    expect(tokens.length).toBe((H / 2) * (W / 2) * 4 * C);
    // Latent (c=2, y=3, x=4) is patch (i=1, j=2) at offset (pi=1, pj=0): token 1·3+2, channel 2·4+1·2+0.
    const k = 2 * 4 + 2;
    expect(tokens[(1 * 3 + 2) * 12 + k]).toBeCloseTo((data[(2 * H + 3) * W + 4]! - stats.mean[k]!) / Math.sqrt(stats.variance[k]! + 1e-4), 5);
  });

  it('round-trips latent → tokens → latent', () => {
    const data = rng.fillNormal(new Float32Array(C * 8 * 10), 3) as Float32Array;
    const back = tokensToLatent(latentToTokens({ channels: C, height: 8, width: 10, data }, stats), { height: 4, width: 5 }, stats);
    expect([back.channels, back.height, back.width]).toEqual([C, 8, 10]);
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(back.data[i]! - data[i]!) / (1 + Math.abs(data[i]!)));
    expect(worst).toBeLessThan(1e-6);
  });

  it('refuses odd latents and stats of the wrong size', () => {
    expect(() => latentToTokens({ channels: C, height: 3, width: 4, data: new Float32Array(C * 12) }, stats)).toThrow(/2×2 patches/);
    expect(() => latentToTokens({ channels: 2, height: 2, width: 2, data: new Float32Array(8) }, stats)).toThrow(/12 means.*8 channels/);
  });
});

describe('prompt tokenizer', () => {
  const vocab = { '<|im_start|>': 0, '<|im_end|>': 1, '<pad>': 2, 'Ġcat': 3, 'Ġ': 4, c: 5, a: 6, t: 7, Ċ: 8, user: 9, ab: 10 };
  const tok = new PromptTokenizer({ vocab, template: '<|im_start|>user\n{prompt}<|im_end|>', maxTokens: 10, padId: 2, byteLevel: true });

  it('matches template control tokens literally, the rest by longest vocab match, then pads', () => {
    const t = tok.tokenize('tab cat');
    expect(Array.from(t.ids, Number)).toEqual([0, 9, 8, 7, 10, 3, 1, 2, 2, 2]);
    expect(Array.from(t.mask, Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect([t.length, t.truncated]).toEqual([7, false]);
  });

  it('cuts long prompts to maxTokens and names a character the vocab lacks', () => {
    const t = tok.tokenize('cat cat cat cat cat');
    expect([t.length, t.truncated]).toEqual([10, true]);
    expect(() => tok.tokenize('dog')).toThrow(/no token for "d".*unkId/);
    const lenient = new PromptTokenizer({ ...tok.options, unkId: 2 });
    expect(Array.from(lenient.tokenize('d').ids.slice(0, 5), Number)).toEqual([0, 9, 8, 2, 1]);
  });
});

describe('ONNX model folder', () => {
  it('encodes images and captions with the real shapes, and decodes tokens back to pixels', async () => {
    const m = await loadOnnxBaseModel(folder('good'), { providers: ['cpu'], threads: 1 });
    try {
      expect(m.config).toEqual(TINY_ONNX_TRANSFORMER);
      expect(m.encoders.sizeMultiple).toBe(16);
      const image = { width: 48, height: 32, data: new Uint8Array(48 * 32 * 3).map((_, i) => (i * 37) % 256) };
      const tokens = await m.encoders.encodeImage(image);
      expect(tokens.length).toBe(3 * 2 * 128);
      expect(tokens.every(Number.isFinite)).toBe(true);
      const back = await m.encoders.decodeImage(tokens, 48, 32);
      expect([back.width, back.height, back.data.length]).toEqual([48, 32, 48 * 32 * 3]);
      const text = await m.encoders.encodeText('a sks disc on white');
      expect(text.shape).toEqual([48, 24]);
      // Padding is masked out in the stand-in encoder, so its context rows are zero; prompt rows are not.
      expect(text.context.subarray(40 * 24).every((v) => v === 0)).toBe(true);
      expect(text.context.subarray(0, 24).some((v) => v !== 0)).toBe(true);
    } finally {
      await m.close();
    }
  });

  it('concatenates three hidden-state outputs exactly like one pre-concatenated output', async () => {
    const three = await loadOnnxBaseModel(folder('three', { seed: 5 }), { providers: ['cpu'], threads: 1 });
    const one = await loadOnnxBaseModel(folder('one', { seed: 5, textOutputs: 1 }), { providers: ['cpu'], threads: 1 });
    try {
      expect((await one.encoders.encodeText('a sks disc')).context).toEqual((await three.encoders.encodeText('a sks disc')).context);
      expect(one.encodersId).not.toBe(three.encodersId);
    } finally {
      await three.close();
      await one.close();
    }
  });

  it('lists every missing file and bad setting at once', async () => {
    const dir = folder('missing');
    unlinkSync(join(dir, 'vae-decoder.onnx'));
    unlinkSync(join(dir, 'vocab.json'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: 'lora-studio-flux2-onnx', name: 'x', transformer: {}, textEncoder: { template: 'no placeholder', padId: -1 }, vae: {},
    }));
    const problems = await problemsOf(dir);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/VAE decoder vae-decoder.onnx is missing/),
      expect.stringMatching(/tokenizer vocab vocab.json is missing/),
      expect.stringMatching(/template must .*\{prompt\}/),
      expect.stringMatching(/padId/),
    ]));
    expect(problems).toHaveLength(4);
  });

  it('names wrong ONNX signatures (names, dtypes, shapes) and stats that do not fit the transformer', async () => {
    const dir = folder('wrong');
    const enc = new Graph('bad_vae');
    const pixels = enc.input('pixels', 'int64', [1, 3, 32, 32]);
    const w = enc.initializer('w', 'float32', [16, 3, 8, 8], new Float32Array(16 * 3 * 64));
    enc.output(conv(cast(pixels, 'float32'), w, null, { strides: [8, 8] }), 'latent');
    writeFileSync(join(dir, 'vae-encoder.onnx'), serializeGraph(enc));
    const text = new Graph('bad_text');
    text.output(cast(text.input('tokens', 'int64', [1, 48]), 'float32'), 'hidden');
    writeFileSync(join(dir, 'text-encoder.onnx'), serializeGraph(text));
    const stat = new Float32Array(64).fill(1);
    const bytes = new Uint8Array(stat.buffer);
    writeSafetensorsFile(join(dir, 'vae-stats.safetensors'), { running_mean: { dtype: 'F32', shape: [64], data: bytes }, running_var: { dtype: 'F32', shape: [64], data: bytes } });
    const problems = (await problemsOf(dir)).join('\n');
    expect(problems).toMatch(/vae-encoder.onnx input "pixels" is int64, expected float32/);
    expect(problems).toMatch(/vae-encoder.onnx output "latent" has 16 channels; expected the 32-channel latent mean/);
    expect(problems).toMatch(/text-encoder.onnx has no input "input_ids"/);
    expect(problems).toMatch(/text-encoder.onnx has inputs the encoders cannot feed: tokens/);
    expect(problems).toMatch(/text-encoder.onnx output "hidden" has shape \[1, 48\], expected rank 3/);
    expect(problems).toMatch(/64 running_mean values, but the transformer's image tokens have 128 channels/);
  });

  it('reports a transformer checkpoint that does not fit its config', async () => {
    const dir = folder('bad-transformer');
    const manifest = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'model.json'), 'utf8'));
    manifest.transformer.config = { ...TINY_ONNX_TRANSFORMER, hiddenSize: 64, numHeads: 4 };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
    expect((await problemsOf(dir)).join('\n')).toMatch(/transformer checkpoint .*wrong shape: img_in.weight is \[32,128\] but the config needs \[64,128\]/);
  });
});
