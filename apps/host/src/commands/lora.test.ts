import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoraAdapter, exportLora, flux2Preset, saveLora } from '@lora-studio/models';
import { fromFloat32, writeSafetensorsFile } from '@lora-studio/onnx';
import { CommandFailed } from './call';
import { loraConvertCommand, loraInspectCommand } from './lora';

afterEach(() => vi.restoreAllMocks());

function captureLog(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  return lines;
}

describe('lora convert / inspect commands', () => {
  it('convert a PEFT LoRA to kohya and inspect both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-lora-cli-'));
    const adapter = createLoraAdapter(flux2Preset('flux2-toy'), { targets: 'attention', rank: 4, alpha: 4, seed: 1, init: 'gaussian' });
    saveLora(join(dir, 'a.safetensors'), adapter, 'peft');
    const log = captureLog();
    expect(await loraConvertCommand.run([join(dir, 'a.safetensors'), '--to', 'kohya', '--out', join(dir, 'b.safetensors')])).toBe(0);
    expect(log.join('\n')).toMatch(/from peft to kohya/);
    await loraInspectCommand.run([join(dir, 'b.safetensors'), '--json']);
    const inspected = JSON.parse(log[log.length - 1]!);
    expect(inspected.format).toBe('kohya');
  });

  it('a file that is not a LoRA is a clear error, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-lora-cli-'));
    await expect(loraInspectCommand.run([join(dir, 'missing.safetensors')])).rejects.toBeInstanceOf(CommandFailed);
    await expect(loraConvertCommand.run([join(dir, 'missing.safetensors'), '--to', 'nope', '--out', join(dir, 'x')])).rejects.toThrow(/--to must be one of/);
  });

  it('inspect shows header metadata with its escape sequences made visible, and lists a NaN alpha as a problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-lora-cli-'));
    const adapter = createLoraAdapter(flux2Preset('flux2-toy'), { targets: 'attention', rank: 4, alpha: 4, seed: 1, init: 'gaussian' });
    const { tensors, metadata } = exportLora(adapter, 'kohya');
    const alpha = 'lora_unet_single_blocks_0_linear1.alpha';
    tensors[alpha] = { dtype: 'F32', shape: [], data: fromFloat32('F32', new Float32Array([Number.NaN])) };
    const file = join(dir, 'crafted.safetensors');
    writeSafetensorsFile(file, tensors, { ...metadata, 'modelspec.title': 'cute\x1b[2J\x1b]0;owned\x07\nfake: line', 'modelspec.trigger_phrase': 'sks\u202e' });
    const log = captureLog();
    expect(await loraInspectCommand.run([file])).toBe(1);
    const text = log.join('\n');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(text).toContain('modelspec.title: cute\\x1B[2J\\x1B]0;owned\\x07\\x0Afake: line');
    expect(text).toContain('trigger word: sks\\u202E');
    expect(text).toContain(`problems:     1; no tool can use this file as it is`);
    expect(text).toContain(`the alpha tensor "${alpha}" is NaN`);
    // --json keeps the values exactly, as valid JSON with the controls escaped.
    expect(await loraInspectCommand.run([file, '--json'])).toBe(1);
    const json = log[log.length - 1]!;
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(json).metadata['modelspec.title']).toBe('cute\x1b[2J\x1b]0;owned\x07\nfake: line');
    // convert refuses it by name instead of writing a file no tool can use.
    await expect(loraConvertCommand.run([file, '--to', 'peft', '--out', join(dir, 'out.safetensors')])).rejects.toThrow(
      new RegExp(`cannot be used: the alpha tensor "${alpha.replace(/\./g, '\\.')}" is NaN`),
    );
  });
});
