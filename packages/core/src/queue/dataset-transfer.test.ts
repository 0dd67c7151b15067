// A dataset's trip through the run queue with several transfers in flight (real redis-server): the manifest keeps
// the dataset's order, content named twice is fetched once, and a warm cache fetches nothing.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '@lora-studio/trainer';
import { RedisArtifactStore } from './artifact-store';
import { materializeDataset, uploadDataset } from './dataset-transfer';
import { parseManifest } from './run-job';
import { redisForTests } from './testing/redis-for-tests';

const redisServer = redisForTests();

describe('dataset transfer', () => {
  it('keeps the order of 21 images, fetches duplicated content once, and nothing again from a warm cache', async () => {
    const source = mkdtempSync(join(tmpdir(), 'queue-transfer-'));
    for (let i = 0; i < 20; i++) {
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i * 12, g: 255 - i * 12, b: 90 } } }).png().toBuffer();
      writeFileSync(join(source, `img${String(i).padStart(2, '0')}.png`), png);
      writeFileSync(join(source, `img${String(i).padStart(2, '0')}.txt`), `picture ${i}`);
    }
    copyFileSync(join(source, 'img03.png'), join(source, 'img20.png'));
    writeFileSync(join(source, 'img20.txt'), 'picture 3 again');
    const store = new RedisArtifactStore(redisServer.redis, 'test:transfer:', 60);
    const { ref, images } = await uploadDataset(source, store);
    expect(images).toBe(21);
    const original = loadDataset(source, { folderCacheDir: join(source, 'unused') }).images;
    expect(parseManifest(await store.get(ref)).images.map((i) => i.caption)).toEqual(original.map((i) => i.caption));

    const cache = mkdtempSync(join(tmpdir(), 'queue-transfer-cache-'));
    const first = await materializeDataset(store, ref, cache);
    expect([first.downloaded, first.reused]).toEqual([20, 1]);
    const rebuilt = loadDataset(first.dir, { folderCacheDir: join(first.dir, 'unused') }).images;
    expect(rebuilt.map((i) => [i.caption, i.contentHash])).toEqual(original.map((i) => [i.caption, i.contentHash]));

    // Another dataset with the same pictures (other captions) on the same worker: every file is already there.
    writeFileSync(join(source, 'img00.txt'), 'picture zero, recaptioned');
    const again = await materializeDataset(store, (await uploadDataset(source, store)).ref, cache);
    expect([again.downloaded, again.reused]).toEqual([0, 21]);
  });
});
