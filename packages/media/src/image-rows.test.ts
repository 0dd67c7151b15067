import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageMetrics } from '@lora-studio/api';
import { ProjectStore } from '@lora-studio/store';
import { describe, expect, it } from 'vitest';
import { ImageRows } from './image-rows';

const metrics: ImageMetrics = {
  width: 64, height: 48, megapixels: 0.003, aspectRatio: 4 / 3, sharpness: 120, meanLuma: 0.5, highlightsClipped: 0,
  shadowsClipped: 0, jpegQuality: null, colourfulness: 12, borderStdDev: 3, phash: '0123456789abcdef', tiny: '0'.repeat(128),
  look: [0.1, 0.2], text: null, faces: 1,
};

describe('ImageRows', () => {
  it("reads one image's metrics alone, and none for an image that is not there", () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-image-rows-')), 'p'), { name: 'P', type: 'style', trigger: 'flt' });
    const rows = new ImageRows(store);
    const id = rows.insert({
      hash: 'h1', file: 'images/h1.png', sourceName: 'a.png', format: 'png', exif: {}, metrics, flags: [], analysis: 'done',
      repeats: 1, fileSize: 100, caption: null,
    });
    expect(rows.metrics(id)).toEqual(metrics);
    expect(rows.metrics(id + 1)).toBeNull();
  });
});
