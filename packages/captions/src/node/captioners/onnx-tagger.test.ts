import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { TINY_TAGS, writeTinyTagger } from '../../../test/tiny-tagger';
import { OnnxTagger } from './onnx-tagger';

const temp = () => mkdtempSync(join(tmpdir(), 'ls-tagger-'));

async function solidImage(dir: string, name: string, rgb: { r: number; g: number; b: number }, width = 40, height = 24) {
  const file = join(dir, name);
  await sharp({ create: { width, height, channels: 3, background: rgb } }).png().toFile(file);
  return file;
}

const ctx = { trigger: 'sks', type: 'subject' as const };
const signal = new AbortController().signal;

describe('ONNX tagger', () => {
  it('loads a WD-1.4-style folder and thresholds its scores per category', async () => {
    const dir = temp();
    const tagger = await OnnxTagger.load(writeTinyTagger(join(dir, 'tagger')));
    try {
      // 40×24: padding to a white square raises every channel's mean, and the red image must still read red.
      const red = await solidImage(dir, 'red.png', { r: 255, g: 0, b: 0 });
      const tags = await tagger.tags(red);
      expect(tags.map((t) => t.tag)).toEqual(['red theme', '^_^', 'long hair']);
      expect(tags[0]!.score).toBeGreaterThan(0.99);
      expect(tags[1]!.score).toBeCloseTo(1 / (1 + Math.exp(-1)), 4);
      const blue = await solidImage(dir, 'blue.png', { r: 0, g: 0, b: 255 }, 8, 8);
      expect((await tagger.tags(blue)).map((t) => t.tag)).toEqual(['blue theme', '^_^', 'long hair']);
      expect(await tagger.caption({ path: red }, ctx, signal)).toBe('a photo of sks person, red theme, ^_^, long hair');
    } finally {
      await tagger.close();
    }
  });

  it('honours the thresholds and excluded tags it is given', async () => {
    const dir = temp();
    const tagger = await OnnxTagger.load(writeTinyTagger(join(dir, 'tagger')), {
      threshold: 0.6,
      characterThreshold: 0.55,
      excludedTags: ['red_theme'],
    });
    try {
      const red = await solidImage(dir, 'red.png', { r: 255, g: 0, b: 0 }, 8, 8);
      expect((await tagger.tags(red)).map((t) => t.tag)).toEqual(['^_^', 'some character']);
    } finally {
      await tagger.close();
    }
  });

  it('explains what is wrong with a malformed folder', async () => {
    const dir = temp();
    await expect(OnnxTagger.load(join(dir, 'nowhere'))).rejects.toThrow(/does not exist or is not a folder/);

    const noCsv = join(dir, 'no-csv');
    mkdirSync(noCsv);
    writeFileSync(join(noCsv, 'model.onnx'), 'x');
    await expect(OnnxTagger.load(noCsv)).rejects.toThrow(/selected_tags\.csv is missing/);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(OnnxTagger.load(empty)).rejects.toThrow(/model\.onnx and selected_tags\.csv are missing/);

    const broken = writeTinyTagger(join(dir, 'broken'));
    writeFileSync(join(broken, 'model.onnx'), 'this is not a protobuf');
    await expect(OnnxTagger.load(broken)).rejects.toThrow(/model\.onnx could not be loaded/);

    const mismatched = writeTinyTagger(join(dir, 'mismatched'), { csvTags: TINY_TAGS.slice(0, 3) });
    await expect(OnnxTagger.load(mismatched)).rejects.toThrow(/scores 6 tags but selected_tags\.csv lists 3/);

    const badCsv = writeTinyTagger(join(dir, 'bad-csv'));
    writeFileSync(join(badCsv, 'selected_tags.csv'), 'id;tag\n1;a\n');
    await expect(OnnxTagger.load(badCsv)).rejects.toThrow(/no "name" and "category" columns/);
  });
});
