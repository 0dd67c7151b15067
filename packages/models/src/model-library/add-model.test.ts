import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppStore } from '@lora-studio/store';
import { describeFlux2Model } from '../flux2-model/model-files';
import { afterEach, describe, expect, it } from 'vitest';
import { addModel, listModels, resolveBaseModel } from './add-model';
import { readModelManifest } from './model-manifest';
import { writeTinyBflFiles, writeTinyDiffusersModel } from './tiny-model';

const temps: string[] = [];
const stores: AppStore[] = [];
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'add-model-'));
  temps.push(dir);
  return dir;
}
function app(): AppStore {
  const store = new AppStore(join(temp(), 'home'));
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('adding a base model', () => {
  it('records a diffusers folder with its description; the name resolves to the folder', async () => {
    const library = app();
    const folder = writeTinyDiffusersModel(join(temp(), 'FLUX.2-tiny-base'), { isDistilled: false });
    const added = await addModel(library, { kind: 'folder', path: folder });
    expect(added).toMatchObject({ name: 'FLUX.2-tiny-base', kind: 'diffusers', path: folder, sourceRepo: null });
    expect(added.description).toMatchObject({ layout: 'diffusers', family: 'flux2', variant: 'custom', training: 'base', textEncoder: 'Qwen3', complete: true, missing: [] });
    // Parameters from the safetensors headers, as many as the engine counts in the model it opens.
    const engine = describeFlux2Model(folder);
    expect(added.description.components.transformer).toEqual({ parameters: engine.parameters.transformer, precision: ['F32'] });
    expect(added.description.components.textEncoder.parameters).toBe(engine.parameters.textEncoder);
    expect(added.description.components.vae).toEqual({ parameters: engine.parameters.vae, precision: ['F32'] });
    expect(added.description.label).toBe(engine.kind.label);
    expect(added.description.bytesOnDisk).toBeGreaterThan(1000);
    expect(resolveBaseModel(library, 'FLUX.2-tiny-base')).toBe(folder);
    expect(resolveBaseModel(library, 'default')).toBe('default');
    expect(listModels(library).map((m) => m.name)).toEqual(['FLUX.2-tiny-base']);
  });

  it('names what a folder lacks, in words', async () => {
    const folder = writeTinyDiffusersModel(join(temp(), 'partial'), { omit: ['text_encoder/model-00002-of-00002.safetensors', 'tokenizer/tokenizer.json', 'vae/diffusion_pytorch_model.safetensors'] });
    const added = await addModel(app(), { kind: 'folder', path: folder }, { name: 'partial' });
    expect(added.description.complete).toBe(false);
    expect(added.description.missing).toEqual([
      'text_encoder/model-00002-of-00002.safetensors is missing',
      'the tokenizer (tokenizer/tokenizer.json)',
      "the VAE's weights (vae/*.safetensors)",
    ]);
  });

  it('writes a manifest for BFL single files and reads the variant from the tensor names', async () => {
    const library = app();
    const files = writeTinyBflFiles(join(temp(), 'bfl'), { transformerName: 'flux-2-klein-4b.safetensors' });
    const added = await addModel(library, { kind: 'files', ...files });
    expect(added).toMatchObject({ name: 'flux-2-klein-4b', kind: 'bfl-files', path: join(library.home, 'models', 'flux-2-klein-4b') });
    expect(readModelManifest(added.path)).toEqual({ format: 'lora-studio-flux2-files', name: 'flux-2-klein-4b', ...files, tokenizer: files.textEncoder });
    expect(added.description).toMatchObject({ layout: 'bfl-files', family: 'flux2', variant: 'custom', training: 'distilled', complete: true });
    expect(added.description.label).toBe('FLUX.2-shaped model (hidden 32, 1 double + 1 single blocks)');
    expect(added.description.components.transformer.precision).toEqual(['F32']);

    const dev = writeTinyBflFiles(join(temp(), 'dev'), { transformerName: 'flux2-dev.safetensors', guidance: true });
    expect((await addModel(library, { kind: 'files', ...dev })).description.training).toBe('guidance-distilled');
  });

  it('calls a model whose files are all there but do not fit incomplete, in the engine\'s words', async () => {
    const folder = writeTinyDiffusersModel(join(temp(), 'mismatched'));
    // A VAE config that promises more latent channels than the weights have: present, but not usable.
    const config = JSON.parse(readFileSync(join(folder, 'vae', 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'vae', 'config.json'), JSON.stringify({ ...config, latent_channels: 8 }));
    const added = await addModel(app(), { kind: 'folder', path: folder });
    expect(added.description.complete).toBe(false);
    expect(added.description.missing.join(' ')).toMatch(/the VAE .* has wrong shapes/);
  });

  it('refuses what it cannot use, in sentences', async () => {
    const library = app();
    const plain = temp();
    writeFileSync(join(plain, 'photo.png'), '');
    await expect(addModel(library, { kind: 'folder', path: plain })).rejects.toThrow(/is not a model folder in the Hugging Face diffusers layout \(it has no model_index\.json\)/);
    await expect(addModel(library, { kind: 'folder', path: join(plain, 'nope') })).rejects.toThrow(/The model folder .*nope does not exist\./);
    await expect(addModel(library, { kind: 'folder', path: writeTinyDiffusersModel(join(temp(), 'm')) }, { name: 'default' })).rejects.toThrow(/"default" is the embedded model/);
    const folder = writeTinyDiffusersModel(join(temp(), 'twice'));
    await addModel(library, { kind: 'folder', path: folder });
    await expect(addModel(library, { kind: 'folder', path: folder })).rejects.toThrow(/already has a model named "twice"/);
  });

  it('shows a recorded model whose folder went away as missing', async () => {
    const library = app();
    const folder = writeTinyDiffusersModel(join(temp(), 'gone'));
    await addModel(library, { kind: 'folder', path: folder });
    rmSync(folder, { recursive: true });
    expect(listModels(library)[0]!.description).toMatchObject({ complete: false, missing: [`the model's folder ${folder} (moved or deleted: add the model again)`] });
  });
});
