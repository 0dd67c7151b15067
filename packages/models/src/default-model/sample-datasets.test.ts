import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { subjectDataset, STYLE_CHARACTERS } from './sample-datasets';

const samples = resolve(import.meta.dirname, '../../../../resources/samples');

describe('shipped sample datasets', () => {
  it('pair every style image with a caption that uses the trigger flt', () => {
    const files = readdirSync(join(samples, 'style'));
    const pngs = files.filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBe(STYLE_CHARACTERS.length);
    for (const png of pngs) expect(readFileSync(join(samples, 'style', png.replace('.png', '.txt')), 'utf8')).toMatch(/, in the style of flt\n$/);
  });

  it('are what the generator makes today (the committed subject images are reproducible)', async () => {
    const fresh = await subjectDataset(32);
    expect(fresh.length).toBe(20);
    for (const s of fresh.slice(0, 3)) {
      const { data } = await sharp(join(samples, 'subject', `${s.file}.png`)).raw().toBuffer({ resolveWithObject: true });
      expect(Array.from(data)).toEqual(Array.from(s.image.data));
      expect(readFileSync(join(samples, 'subject', `${s.file}.txt`), 'utf8')).toBe(`${s.caption}\n`);
      expect(s.caption).toMatch(/^a photo of sks character on an? \w+ background, (small|medium|large), /);
    }
  });
});
