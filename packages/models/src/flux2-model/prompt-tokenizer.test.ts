// The prompt tokenizer against ids worked out by hand for the tiny byte-level BPE (byte b is id b; merges
// "c a"→256, "ca t"→257, "Ġ cat"→258, "o g"→259, "Ġ d"→260; added tokens 261…270).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUX2_DEV_SYSTEM_MESSAGE, Flux2PromptTokenizer, TokenizerFilesError } from './prompt-tokenizer';
import { writeTinyTokenizer } from './tiny-flux2-model';

let root: string;
const bytes = (s: string) => [...new TextEncoder().encode(s)];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'prompt-tokenizer-'));
  writeTinyTokenizer(join(root, 'klein'), 'klein');
  writeTinyTokenizer(join(root, 'dev'), 'dev');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('byte-level BPE from tokenizer.json', () => {
  const tok = () => Flux2PromptTokenizer.open(join(root, 'klein'), 'qwen3', 64);
  it('applies merges in rank order', () => {
    expect(tok().encode('a cat')).toEqual([97, 258]);
    expect(tok().encode('cat dog')).toEqual([257, 260, 259]);
    expect(tok().encode('cats')).toEqual([257, 115]);
  });
  it('spells non-ASCII text and emoji as UTF-8 bytes', () => {
    expect(tok().encode('é')).toEqual([0xc3, 0xa9]);
    expect(tok().encode('🐱')).toEqual([0xf0, 0x9f, 0x90, 0xb1]);
    expect(tok().encode('a é')).toEqual([97, ...bytesAfterSpace('é')]);
  });
  it('keeps special and added tokens whole', () => {
    expect(tok().encode('<|im_start|>user')).toEqual([262, ...bytes('user')]);
    expect(tok().encode('<think></think>')).toEqual([264, 265]);
  });
});

/** " é" in byte-level BPE: the space byte becomes "Ġ" (id 32) in front of the word's bytes. */
function bytesAfterSpace(word: string): number[] {
  return [32, ...bytes(word)];
}

describe('FLUX.2 prompt format', () => {
  it('klein: Qwen3 chat template, generation prompt, thinking disabled, right-padded with the pad id', () => {
    const t = Flux2PromptTokenizer.open(join(root, 'klein'), 'qwen3', 40).tokenize('a cat');
    expect(t.text).toBe('<|im_start|>user\na cat<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
    const expected = [262, ...bytes('user'), 10, 97, 258, 263, 10, 262, ...bytes('assistant'), 10, 264, 10, 10, 265, 10, 10];
    expect(t.ids.slice(0, t.length)).toEqual(expected);
    expect(t.length).toBe(expected.length);
    expect(t.ids).toHaveLength(40);
    expect(t.ids.slice(t.length).every((id) => id === 261)).toBe(true);
    expect(t.mask).toEqual(t.ids.map((_, i) => (i < t.length ? 1 : 0)));
    expect(t.truncated).toBe(false);
  });

  it('dev: Mistral system message and user message, BOS from the template, no generation prompt', () => {
    const t = Flux2PromptTokenizer.open(join(root, 'dev'), 'mistral3', 400).tokenize('a cat [IMG]');
    expect(t.text).toBe(`<s>[SYSTEM_PROMPT]${FLUX2_DEV_SYSTEM_MESSAGE}[/SYSTEM_PROMPT][INST]a cat [/INST]`);
    expect(t.ids.slice(0, 2)).toEqual([266, 269]);
    expect(t.ids.slice(t.length - 4, t.length)).toEqual([97, 258, 32, 268]);
  });

  it('cuts long prompts to the sequence length and says so', () => {
    const t = Flux2PromptTokenizer.open(join(root, 'klein'), 'qwen3', 8).tokenize('a cat '.repeat(20));
    expect(t.length).toBe(8);
    expect(t.truncated).toBe(true);
    expect(t.mask.every((m) => m === 1)).toBe(true);
  });

  it('names every missing or broken file', () => {
    const broken = join(root, 'broken');
    writeTinyTokenizer(broken, 'klein');
    writeFileSync(join(broken, 'tokenizer.json'), '{"model": ');
    writeFileSync(join(broken, 'tokenizer_config.json'), '{}');
    let error: unknown;
    try {
      Flux2PromptTokenizer.open(broken, 'qwen3');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenizerFilesError);
    const problems = (error as TokenizerFilesError).problems.join('\n');
    expect(problems).toMatch(/tokenizer\.json is not valid JSON/);
    expect(problems).toMatch(/no chat template/);
  });
});
