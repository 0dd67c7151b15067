import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoraAdapter, flux2Preset, saveLora } from '@lora-studio/models';
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
});
