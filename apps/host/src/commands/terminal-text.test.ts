import { describe, expect, it } from 'vitest';
import { oneLine, terminalJson, terminalText } from './terminal-text';

describe('terminal-safe text', () => {
  it('shows escape sequences, C1 controls, DEL and bidi overrides instead of letting the terminal act on them', () => {
    const hostile = 'a\x1b[2J\x1b]0;pwned\x07b\x9b31mc\x7fd\u202egpj.exe\u2066e\r';
    const safe = terminalText(hostile);
    expect(safe).toBe('a\\x1B[2J\\x1B]0;pwned\\x07b\\x9B31mc\\x7Fd\\u202Egpj.exe\\u2066e\\x0D');
    expect(safe).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps the newlines and tabs of the CLI\'s own layout, but not inside one field', () => {
    expect(terminalText('a\tb\nc')).toBe('a\tb\nc');
    expect(oneLine('name\nimported  fake.png\t')).toBe('name\\x0Aimported  fake.png\\x09');
    expect(terminalText('ünïcødé ✓ 日本')).toBe('ünïcødé ✓ 日本');
  });

  it('JSON stays valid and parses back to the same value', () => {
    const value = { name: 'x\x1b[31my\x9b\u202ez\x7f', n: 1 };
    const json = terminalJson(value);
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
