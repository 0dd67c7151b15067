import { InvalidInputError } from '@lora-studio/api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLora, readLoraFileParts } from './files';

describe('a LoRA file the user chose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('that is not safetensors is their input to fix, said as such', () => {
    const text = join(dir, 'notes.safetensors');
    writeFileSync(text, 'these are notes, not tensors');
    for (const read of [loadLora, readLoraFileParts]) {
      expect(() => read(text)).toThrow(InvalidInputError);
      expect(() => read(text)).toThrow(/is not a valid safetensors file/);
    }
  });

  it('that is missing names the path', () => {
    expect(() => loadLora(join(dir, 'gone.safetensors'))).toThrow(InvalidInputError);
    expect(() => loadLora(join(dir, 'gone.safetensors'))).toThrow(/There is no LoRA file at .*gone\.safetensors/);
  });
});
