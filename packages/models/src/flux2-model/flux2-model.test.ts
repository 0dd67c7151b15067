// Tiny random-weight FLUX.2 models in both download layouts: the text encoder and VAE graphs against the float64
// references (relative error < 1e-5 in float32), the description, and every problem of a broken download at once.
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, statSync, writeFileSync, unlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flux2Model } from './flux2-model';
import { describeFlux2Model, Flux2ModelError, openFlux2ModelFiles } from './model-files';
import { readStored64 } from './tensor-store';
import { referenceTextEncoder } from './text-encoder-reference';
import { referenceVaeDecode, referenceVaeEncode } from './vae-reference';
import { writeTinyFlux2BflFiles, writeTinyFlux2Diffusers, type TinyFlux2Model } from './tiny-flux2-model';
import { SeededRandom } from '@lora-studio/onnx';

let root: string;
const models: Record<string, TinyFlux2Model> = {};
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flux2-model-'));
  models.kleinDiffusers = writeTinyFlux2Diffusers(join(root, 'klein'), 'klein');
  models.devDiffusers = writeTinyFlux2Diffusers(join(root, 'dev'), 'dev');
  models.kleinBfl = writeTinyFlux2BflFiles(join(root, 'klein-bfl'), 'klein');
  models.devBfl = writeTinyFlux2BflFiles(join(root, 'dev-bfl'), 'dev');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe.each(['kleinDiffusers', 'devDiffusers', 'kleinBfl', 'devBfl'])('%s', (key) => {
  it('text encoder: picked hidden states per token match the float64 reference', async () => {
    const model = Flux2Model.open(models[key]!.path, { maxTokens: 200, threads: 1 });
    try {
      const out = await model.encodeText('a cat 🐱');
      const w = (name: string) => readStored64(model.files.textEncoder.weight(name));
      const want = referenceTextEncoder(model.files.textEncoder.config, w, out.ids, out.mask);
      expect(out.context).toHaveLength(200 * model.contextDim);
      expect(model.contextDim).toBe(3 * 8);
      expect(relativeError(out.context, want)).toBeLessThan(1e-5);
      expect(out.length).toBeLessThan(200); // padding rows are in the comparison too
    } finally {
      await model.close();
    }
  });

  it('VAE: encoder mean and decoder match the float64 reference; tokens are the normalised 2×2 patches', async () => {
    const model = Flux2Model.open(models[key]!.path, { maxTokens: 8, threads: 1 });
    try {
      const rng = new SeededRandom(3);
      const image = { width: 8, height: 8, data: Uint8Array.from({ length: 8 * 8 * 3 }, () => Math.floor(rng.uniform() * 256)) };
      const v = model.files.vae;
      const w = (name: string) => readStored64(v.weight(name));
      const pixels = new Float64Array(3 * 64);
      for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) pixels[c * 64 + p] = image.data[p * 3 + c]! / 127.5 - 1;
      const latent = await model.encodeLatent(image);
      expect([latent.channels, latent.height, latent.width]).toEqual([4, 4, 4]);
      const wantLatent = referenceVaeEncode(v.config, w, pixels, 8, 8);
      expect(relativeError(latent.data, wantLatent)).toBeLessThan(1e-5);

      const tokens = await model.encodeImage(image);
      expect(tokens).toHaveLength(4 * 16);
      // token (i, j), channel c·4 + pi·2 + pj = latent[c, 2i+pi, 2j+pj], normalised by the BatchNorm stats.
      const k = 1 * 4 + 1 * 2 + 0;
      const raw = latent.data[(1 * 4 + 2 * 1 + 1) * 4 + 2 * 0 + 0]!;
      expect(tokens[(1 * 2 + 0) * 16 + k]).toBeCloseTo((raw - model.stats.mean[k]!) / Math.sqrt(model.stats.variance[k]! + 1e-4), 5);

      const z = Float64Array.from(latent.data);
      const decoded = await model.decodeLatent(latent);
      const wantImage = referenceVaeDecode(v.config, w, z, 4, 4);
      const back = new Float64Array(3 * 64);
      for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) back[c * 64 + p] = Math.round((Math.min(1, Math.max(-1, wantImage[c * 64 + p]!)) + 1) * 127.5);
      const got = new Float64Array(3 * 64);
      for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) got[c * 64 + p] = decoded.data[p * 3 + c]!;
      expect(Math.max(...got.map((g, i) => Math.abs(g - back[i]!)))).toBeLessThanOrEqual(1);
    } finally {
      await model.close();
    }
  });
});

describe('the VAE decoder graph itself (before 8-bit rounding)', () => {
  it('matches the reference to 1e-5', async () => {
    const { Graph, createSession, hostTensor, serializeGraph } = await import('@lora-studio/onnx');
    const { buildVaeDecoder } = await import('./vae-graph');
    const { storeFolder } = await import('./tensor-store');
    const files = openFlux2ModelFiles(models.kleinBfl!.path);
    try {
      const v = files.vae;
      const g = new Graph('dec');
      g.output(buildVaeDecoder(g, v.config, v.weight, 'float32', { width: 3, height: 2 }), 'image');
      const folder = storeFolder(v.store);
      const s = await createSession(serializeGraph(g, { externalDataFolder: folder }), { externalDataFolder: folder, threads: 1, providers: ['cpu'] });
      const z = new SeededRandom(5).fillNormal(new Float32Array(4 * 6)) as Float32Array;
      const { outputs } = await s.run({ latent: hostTensor('float32', [1, 4, 2, 3], z) });
      await s.release();
      const want = referenceVaeDecode(v.config, (n) => readStored64(v.weight(n)), Float64Array.from(z), 2, 3);
      expect(outputs.image!.dims).toEqual([1, 3, 4, 6]);
      expect(relativeError(outputs.image!.data as Float32Array, want)).toBeLessThan(1e-5);
    } finally {
      files.close();
    }
  });
});

describe('what a model is', () => {
  it('reads family, variant, base/distilled, guidance and sizes from the files', () => {
    const klein = describeFlux2Model(models.kleinDiffusers!.path);
    expect(klein).toMatchObject({ family: 'klein', variant: 'custom', base: true, guidanceDistilled: false, layout: 'diffusers', textEncoder: 'Qwen3ForCausalLM', precision: { transformer: 'F32', textEncoder: 'F32', vae: 'F32' } });
    expect(klein.parameters.transformer).toBeGreaterThan(0);
    expect(klein.bytes).toBeGreaterThan(klein.parameters.transformer * 4);
    const dev = describeFlux2Model(models.devBfl!.path);
    expect(dev).toMatchObject({ family: 'dev', base: false, guidanceDistilled: true, layout: 'bfl-files', architecture: 'Flux.2-dev/lora' });
    expect(describeFlux2Model(models.kleinBfl!.path).base).toBe(true);
    const distilled = writeTinyFlux2Diffusers(join(root, 'klein-distilled'), 'klein', { distilled: true });
    expect(describeFlux2Model(distilled.path).base).toBe(false);
  });
});

describe('a broken download', () => {
  it('lists every problem at once: missing shard, shard not matching the index, truncated file, wrong shape, unknown architecture', () => {
    const dir = join(root, 'broken');
    writeTinyFlux2Diffusers(dir, 'klein');
    // transformer: one shard gone
    const tShards = readdirSync(join(dir, 'transformer')).filter((f) => f.endsWith('.safetensors')).sort();
    unlinkSync(join(dir, 'transformer', tShards[1]!));
    // text encoder: the index sends a tensor to the wrong shard
    const indexPath = join(dir, 'text_encoder', 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> };
    const [first] = Object.keys(index.weight_map).sort();
    index.weight_map[first!] = index.weight_map[first!]!.replace('00001', '00002');
    writeFileSync(indexPath, JSON.stringify(index));
    // VAE: cut short
    const vaeFile = join(dir, 'vae', 'diffusion_pytorch_model.safetensors');
    truncateSync(vaeFile, statSync(vaeFile).size - 100);
    let error: unknown;
    try {
      openFlux2ModelFiles(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Flux2ModelError);
    const text = (error as Flux2ModelError).problems.join('\n');
    expect(text).toMatch(/lists shards that are not in .*transformer/);
    expect(text).toMatch(/do not match model\.safetensors\.index\.json/);
    expect(text).toMatch(/diffusion_pytorch_model\.safetensors cannot be read/);
    expect((error as Flux2ModelError).problems.length).toBeGreaterThanOrEqual(3);
  });

  it('names a text encoder that is not FLUX.2\'s and parts from different models', () => {
    const dir = join(root, 'wrong-arch');
    writeTinyFlux2Diffusers(dir, 'klein');
    const configPath = join(dir, 'text_encoder', 'config.json');
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), model_type: 'llama', architectures: ['LlamaForCausalLM'] }));
    const vaeConfig = join(dir, 'vae', 'config.json');
    writeFileSync(vaeConfig, JSON.stringify({ ...JSON.parse(readFileSync(vaeConfig, 'utf8')), latent_channels: 8 }));
    let error: unknown;
    try {
      openFlux2ModelFiles(dir);
    } catch (e) {
      error = e;
    }
    const text = (error as Flux2ModelError).problems.join('\n');
    expect(text).toMatch(/"LlamaForCausalLM".*FLUX\.2 uses Qwen3 \(klein\) or Mistral 3 \(dev\)/);
    expect(text).toMatch(/the VAE .* wrong shapes: encoder\.conv_out\.weight is \[8,32,3,3\], expected \[16,32,3,3\]/);
  });

  it('refuses an index that names shards outside its folder, and follows links to shards elsewhere', () => {
    const dir = join(root, 'escaping');
    writeTinyFlux2Diffusers(dir, 'klein');
    const indexPath = join(dir, 'text_encoder', 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> };
    const [first] = Object.keys(index.weight_map).sort();
    index.weight_map[first!] = '../../klein/text_encoder/model-00001-of-00002.safetensors';
    writeFileSync(indexPath, JSON.stringify(index));
    // Shard names are plain file names in the index's folder; anything else is not a usable index.
    expect(() => openFlux2ModelFiles(dir)).toThrow(/model\.safetensors\.index\.json has no "weight_map" of tensor names to shard file names/);

    // A shard that is a link (as in a Hugging Face cache snapshot) is read where it leads.
    const linked = join(root, 'linked');
    writeTinyFlux2Diffusers(linked, 'klein');
    const shard = readdirSync(join(linked, 'text_encoder')).find((f) => f.endsWith('.safetensors'))!;
    renameSync(join(linked, 'text_encoder', shard), join(root, 'blob-elsewhere'));
    symlinkSync(join(root, 'blob-elsewhere'), join(linked, 'text_encoder', shard));
    expect(describeFlux2Model(linked).kind.training).toBe('base');
  });

  it('says what a folder is not', () => {
    expect(() => openFlux2ModelFiles(join(root, 'nowhere'))).toThrow(/does not exist/);
    expect(() => openFlux2ModelFiles(join(root, 'klein', 'vae'))).toThrow(/neither a diffusers-layout model folder/);
  });
});
