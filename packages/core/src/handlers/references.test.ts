import { loadDataset } from '@lora-studio/trainer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { datasetHash } from '../compare/export-lora';
import { createStudio } from '../index';

function studio() {
  const home = mkdtempSync(join(tmpdir(), 'ls-core-refs-'));
  const events: { name: string; payload: any }[] = [];
  const s = createStudio({ home, mode: 'browser', emit: (name, payload) => events.push({ name, payload }) });
  return { ...s, home, events };
}

it('references-set puts another image into a slot, training reads it and the dataset hash changes; bad requests are refused', async () => {
  const s = studio();
  const p = (await s.dispatcher.call(1, 'project-create', { name: 'Edit test', type: 'style', trigger: 'sks' })) as any;
  const dir = p.result.dir as string;
  const src = mkdtempSync(join(tmpdir(), 'ls-core-refs-src-'));
  await sharp({ create: { width: 48, height: 32, channels: 3, background: '#2040c0' } }).png().toFile(join(src, 'before.png'));
  await sharp({ create: { width: 48, height: 32, channels: 3, background: '#c0a020' } }).png().toFile(join(src, 'after.png'));
  const imported = (await s.dispatcher.call(2, 'images-import', { dir, paths: [join(src, 'before.png'), join(src, 'after.png')] })) as any;
  const id = (name: string) => imported.result.files.find((f: any) => f.source.endsWith(name)).imageId as number;
  const plainHash = datasetHash(loadDataset(dir, { folderCacheDir: join(s.home, 'unused') }));

  const set = await s.dispatcher.call(3, 'references-set', { dir, id: id('after.png'), slot: 0, fromImage: id('before.png') });
  if (!set.ok) throw new Error(set.error.message);
  expect(set.result).toEqual([{ slot: 0, file: expect.stringMatching(/^images\/[0-9a-f]{64}-ref0-[0-9a-f]{16}\.png$/), sourceName: 'before.png' }]);
  expect(s.events.some((e) => e.name === 'images-changed' && e.payload.ids?.includes(id('after.png')))).toBe(true);
  const listed = await s.dispatcher.call(4, 'references-list', { dir, id: id('after.png') });
  expect(listed.ok && listed.result).toEqual(set.result);

  const dataset = loadDataset(dir, { folderCacheDir: join(s.home, 'unused') });
  const after = dataset.images.find((i) => i.name === 'after.png')!;
  expect(after.references).toEqual([{ name: 'before.png', path: join(dir, (set.result as any)[0].file), hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  expect(datasetHash(dataset)).not.toBe(plainHash);

  const fourth = await s.dispatcher.call(5, 'references-set', { dir, id: id('after.png'), slot: 3, fromImage: id('before.png') });
  expect(fourth.ok ? null : fourth.error.code).toBe('invalid-request');
  const unknown = await s.dispatcher.call(6, 'references-set', { dir, id: id('after.png'), slot: 1, fromImage: 999 });
  expect(unknown.ok ? null : unknown.error.code).toBe('not-found');

  const cleared = await s.dispatcher.call(7, 'references-clear', { dir, id: id('after.png'), slot: 0 });
  expect(cleared.ok && cleared.result).toEqual([]);
  expect(datasetHash(loadDataset(dir, { folderCacheDir: join(s.home, 'unused') }))).toBe(plainHash);
});

it('the Train preflight says when only some images have reference images', async () => {
  const s = studio();
  const p = (await s.dispatcher.call(1, 'project-create', { name: 'Edit preflight', type: 'style', trigger: 'sks' })) as any;
  const dir = p.result.dir as string;
  const src = mkdtempSync(join(tmpdir(), 'ls-core-refs-src-'));
  const names = ['a.png', 'b.png', 'c.png'];
  for (const [i, name] of names.entries()) await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 60 * i, g: 90, b: 200 } } }).png().toFile(join(src, name));
  const imported = (await s.dispatcher.call(2, 'images-import', { dir, paths: names.map((n) => join(src, n)) })) as any;
  const ids: number[] = imported.result.files.map((f: any) => f.imageId);
  for (const [i, imageId] of ids.entries()) await s.dispatcher.call(10 + i, 'captions-update', { dir, imageId, text: 'sks, make it blue', reviewed: true });
  const warningIds = async () => {
    const report = await s.dispatcher.call(20, 'run-preflight', { dir });
    if (!report.ok) throw new Error(report.error.message);
    return (report.result as any).warnings.map((w: { id: string }) => w.id) as string[];
  };
  expect(await warningIds()).not.toContain('references-partial');
  await s.dispatcher.call(30, 'references-set', { dir, id: ids[0]!, slot: 0, fromImage: ids[1]! });
  expect(await warningIds()).toContain('references-partial');
});
