// The CLI on a tiny diffusers-layout FLUX.2 download: encode-text, encode-image and decode write what they say, and
// a train → export → generate round trip runs end to end.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinyFlux2Diffusers } from '@lora-studio/models';
import { addModel } from '@lora-studio/models/model-library';
import { SafetensorsFile } from '@lora-studio/onnx';
import { AppStore, studioHome } from '@lora-studio/store';
import { writeImageFolder } from '@lora-studio/trainer/testing';
import { CommandFailed } from './call';
import { exportCommand } from './export';
import { generateCommand } from './generate';
import { modelDecodeCommand, modelEncodeImageCommand, modelEncodeTextCommand } from './model-encode';
import { trainCommand } from './train';

let root: string;
let model: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ls-model-encode-'));
  process.env.LORA_STUDIO_HOME = join(root, 'home');
  model = writeTinyFlux2Diffusers(join(root, 'klein'), 'klein').path;
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

describe('model encode-text / encode-image / decode', () => {
  it('writes input_ids and context, latent and tokens, and a decoded PNG', async () => {
    const text = join(root, 'text.safetensors');
    expect(await modelEncodeTextCommand.run(['--model', model, '--prompt', 'a cat', '--out', text, '--threads', '1'])).toBe(0);
    const t = SafetensorsFile.open(text);
    expect(t.info('input_ids')).toMatchObject({ dtype: 'I64', shape: [512] });
    expect(t.info('context')).toMatchObject({ dtype: 'F32', shape: [512, 24] });
    t.close();

    const png = join(root, 'in.png');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toFile(png);
    const enc = join(root, 'image.safetensors');
    expect(await modelEncodeImageCommand.run(['--model', model, '--image', png, '--out', enc, '--threads', '1'])).toBe(0);
    const e = SafetensorsFile.open(enc);
    expect(e.info('latent').shape).toEqual([4, 8, 8]);
    expect(e.info('tokens').shape).toEqual([16, 16]);
    e.close();

    const out = join(root, 'out.png');
    expect(await modelDecodeCommand.run(['--model', model, '--latent', enc, '--out', out, '--threads', '1'])).toBe(0);
    expect(await sharp(out).metadata()).toMatchObject({ width: 16, height: 16 });
  });

  it('a broken model is one clear error naming what is wrong', async () => {
    await expect(modelEncodeTextCommand.run(['--model', join(root, 'nowhere'), '--prompt', 'a', '--out', join(root, 'x.safetensors')])).rejects.toBeInstanceOf(CommandFailed);
  });
});

describe('train → export → generate on a FLUX.2 download', () => {
  it('runs end to end through the CLI', async () => {
    const dataset = join(root, 'images');
    await writeImageFolder(dataset, 2);
    const run = join(root, 'run');
    expect(await trainCommand.run([dataset, '--base', model, '--type', 'subject', '--trigger', 'sks', '--out', run, '--steps', '2', '--resolution', '16', '--rank', '2', '--batch', '1', '--threads', '1'])).toBe(0);
    const lora = join(root, 'lora.safetensors');
    expect(await exportCommand.run([run, '--step', 'best', '--format', 'peft', '--out', lora])).toBe(0);
    // The LoRA names the architecture of the model it was trained on, as LoRA loaders read it.
    const exported = SafetensorsFile.open(lora);
    expect(exported.metadata['modelspec.architecture']).toBe('Flux.2-klein-custom/lora');
    exported.close();
    // generate --base takes the model's name from the library, as train --base does.
    const app = new AppStore(studioHome());
    await addModel(app, { kind: 'folder', path: model }, { name: 'tiny-klein' });
    app.close();
    const image = join(root, 'gen.png');
    expect(await generateCommand.run(['--base', 'tiny-klein', '--lora', lora, '--scale', '0.8', '--prompt', 'a sks disc', '--seed', '1', '--steps', '2', '--width', '16', '--height', '16', '--out', image, '--threads', '1'])).toBe(0);
    expect(existsSync(image)).toBe(true);
  });
});
