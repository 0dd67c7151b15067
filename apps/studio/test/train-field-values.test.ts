import { describe, expect, it } from 'vitest';
import { parseField } from '../src/screens/train/field-values';
import { advancedFields, fieldShown } from '../src/screens/train/training-fields';

const field = (key: string) => advancedFields.find((f) => f.key === key)!;

describe('Train form fields', () => {
  it("refuses what the settings schema refuses, in the schema's words (LoKr's factor is never 0)", () => {
    expect(parseField(field('lokrFactor'), '0')).toEqual({ ok: false, message: expect.stringMatching(/0 is not a factor/) });
    expect(parseField(field('lokrFactor'), '-1')).toEqual({ ok: true, value: -1 });
    expect(parseField(field('lokrFactor'), '5000')).toEqual({ ok: false, message: 'From -1 to 4096.' });
    expect(parseField(field('unmaskedWeight'), '0.3')).toEqual({ ok: true, value: 0.3 });
    expect(parseField(field('unmaskedWeight'), '1.5')).toEqual({ ok: false, message: 'From 0 to 1.' });
    expect(parseField(field('ema'), '0.9999')).toEqual({ ok: true, value: 0.9999 });
  });

  it("shows LoKr's factor only for a LoKr, reading an absent adapter as a LoRA", () => {
    const values = (adapter?: string) => (key: string) => (key === 'adapter' ? adapter : undefined);
    expect(fieldShown(field('lokrFactor'), values('lokr'))).toBe(true);
    expect(fieldShown(field('lokrFactor'), values('loha'))).toBe(false);
    expect(fieldShown(field('lokrFactor'), values(undefined))).toBe(false);
    expect(fieldShown(field('ema'), values('loha'))).toBe(true);
  });
});
