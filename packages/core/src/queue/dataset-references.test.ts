// An edit LoRA's dataset through the run queue: the reference images travel with their images (real redis-server),
// and the worker's rebuilt dataset trains on the same references, in the same order, as the studio's.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

const picture = (colour: string) => sharp({ create: { width: 24, height: 24, channels: 3, background: colour } }).png().toBuffer();

describe('reference images through the run queue', () => {
  it('uploads them with their image and rebuilds them on the worker in order, by content', async () => {
    const source = mkdtempSync(join(tmpdir(), 'queue-refs-'));
    for (const folder of ['control', 'control_1']) mkdirSync(join(source, folder));
    writeFileSync(join(source, 'a.png'), await picture('#ff0000'));
    writeFileSync(join(source, 'a.txt'), 'sks, make it red');
    writeFileSync(join(source, 'b.png'), await picture('#00ff00'));
    writeFileSync(join(source, 'b.txt'), 'sks, make it green');
    writeFileSync(join(source, 'control', 'a.png'), await picture('#0000ff'));
    writeFileSync(join(source, 'control_1', 'a.png'), await picture('#ffff00'));
    copyFileSync(join(source, 'control', 'a.png'), join(source, 'control', 'b.png'));
    const store = new RedisArtifactStore(redisServer.redis, 'test:refs:', 60);
    const { ref } = await uploadDataset(source, store);
    const manifest = parseManifest(await store.get(ref));
    expect(manifest.images.map((i) => i.references?.map((r) => r.name))).toEqual([['control/a.png', 'control_1/a.png'], ['control/b.png']]);

    const worker = await materializeDataset(store, ref, mkdtempSync(join(tmpdir(), 'queue-refs-cache-')));
    const rebuilt = loadDataset(worker.dir, { folderCacheDir: join(worker.dir, 'unused') }).images;
    const original = loadDataset(source, { folderCacheDir: join(source, 'unused') }).images;
    expect(rebuilt.map((i) => i.references?.map((r) => [r.name, r.hash]))).toEqual(original.map((i) => i.references?.map((r) => [r.name, r.hash])));
    // Each picture is on the worker as its own file, with the bytes it was hashed from.
    for (const image of rebuilt) {
      for (const r of image.references!) expect(r.path.startsWith(worker.dir)).toBe(true);
    }
  });

  it('refuses a manifest whose references are not usable', async () => {
    const store = new RedisArtifactStore(redisServer.redis, 'test:refs-bad:', 60);
    const source = mkdtempSync(join(tmpdir(), 'queue-refs-'));
    mkdirSync(join(source, 'control'));
    writeFileSync(join(source, 'a.png'), await picture('#ff0000'));
    writeFileSync(join(source, 'a.txt'), 'sks');
    writeFileSync(join(source, 'control', 'a.png'), await picture('#0000ff'));
    const manifest = parseManifest(await store.get((await uploadDataset(source, store)).ref));
    const bad = (change: (r: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(manifest));
      change(copy.images[0].references[0]);
      return () => parseManifest(Buffer.from(JSON.stringify(copy)));
    };
    expect(bad((r) => (r.ext = '.exe'))).toThrow(/reference images of a\.png are not usable/);
    expect(bad((r) => (r.hash = 'nope'))).toThrow(/not usable/);
    expect(bad((r) => (r.name = 'a\nb'))).toThrow(/not usable/);
    const four = JSON.parse(JSON.stringify(manifest));
    four.images[0].references = Array.from({ length: 4 }, () => manifest.images[0]!.references![0]);
    expect(() => parseManifest(Buffer.from(JSON.stringify(four)))).toThrow(/not usable/);
  });
});
