import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToFloat, patchifyPixels } from '@lora-studio/models';
import { loadPixelModel } from '../base-model/pixel-model';
import type { BaseModel } from '../base-model/base-model';
import { writeFixtures } from '../testing/fixtures';
import { makeBuckets, pickBucket } from './buckets';
import { loadFolderDataset } from './dataset';
import type { ModelEncoders } from './encoders';
import { EncodingCache } from './encoding-cache';
import { visibleSize } from './images';

let root: string;
let model: BaseModel;
let datasetDir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-cache-'));
  const f = await writeFixtures(root, 3);
  datasetDir = f.dataset;
  model = await loadPixelModel(f.model, { threads: 1 });
});
afterAll(async () => {
  await model.close();
  rmSync(root, { recursive: true, force: true });
});

/** The tiny model's real text encoder, and a pixel patchify that takes any bucket size. */
function encoders(): ModelEncoders {
  return {
    id: model.id,
    sizeMultiple: 4,
    encodeImage: async (image) => ({ shape: [(image.width / 4) * (image.height / 4), 48], data: patchifyPixels(bytesToFloat(image), 4) }),
    encodeText: (text) => model.encoders.encodeText(text),
  };
}

async function encodeDataset(cacheDir: string, resolution: number): Promise<EncodingCache> {
  const cache = new EncodingCache(cacheDir, encoders());
  const dataset = loadFolderDataset(datasetDir, cacheDir);
  const buckets = makeBuckets(resolution, 4);
  for (const image of dataset.images) {
    const size = await visibleSize(image);
    await cache.image(image, pickBucket(size.width, size.height, buckets), resolution, false);
    await cache.text(image.caption!);
  }
  return cache;
}

describe('encoding cache', () => {
  it('a second run reads every encoding back from disk; a new resolution encodes the images again', async () => {
    const dir = join(root, 'cache');
    const first = await encodeDataset(dir, 16);
    expect(first.stats).toEqual({ imageHits: 0, imageEncodes: 3, textHits: 0, textEncodes: 3 });
    const second = await encodeDataset(dir, 16);
    expect(second.stats).toEqual({ imageHits: 3, imageEncodes: 0, textHits: 3, textEncodes: 0 });
    const larger = await encodeDataset(dir, 24);
    expect(larger.stats).toEqual({ imageHits: 0, imageEncodes: 3, textHits: 3, textEncodes: 0 });
    expect(readdirSync(join(dir, 'latents'))).toHaveLength(6);
  });

  it('returns the very values that were encoded', async () => {
    const dir = join(root, 'exact');
    const dataset = loadFolderDataset(datasetDir, dir);
    const image = dataset.images[0]!;
    const fresh = await new EncodingCache(dir, encoders()).image(image, { width: 16, height: 16 }, 16, true);
    const cached = await new EncodingCache(dir, encoders()).image(image, { width: 16, height: 16 }, 16, true);
    expect(cached).toEqual(fresh);
    const text = await new EncodingCache(dir, encoders()).text('a sks disc');
    expect(await new EncodingCache(dir, encoders()).text('a sks disc')).toEqual(text);
  });
});
