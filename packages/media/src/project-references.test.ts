import { ProjectStore } from '@lora-studio/store';
import { zipSync } from 'fflate';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importFiles, sweepOrphans } from './import';
import { ProjectReferences } from './project-references';
import { photoPng } from './test-images';

async function projectWithImages(): Promise<{ store: ProjectStore; ids: number[] }> {
  const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-refs-')), 'p'), { name: 'Edit', type: 'style', trigger: 'sks' });
  const src = mkdtempSync(join(tmpdir(), 'ls-refs-src-'));
  for (const [i, name] of ['a.png', 'b.png', 'c.png'].entries()) writeFileSync(join(src, name), await photoPng(20 + i, 64, 48));
  await importFiles(store, [src]);
  const ids = (store.db.prepare('SELECT id FROM images ORDER BY source_name').all() as { id: number }[]).map((r) => r.id);
  return { store, ids };
}

describe('ProjectReferences', () => {
  it('puts a copy of another image into a slot, replaces it, clears it, and leaves no stray file', async () => {
    const { store, ids } = await projectWithImages();
    const [a, b, c] = ids as [number, number, number];
    const refs = new ProjectReferences(store);
    expect(refs.list(a)).toEqual([]);
    const first = await refs.setFromImage(a, 0, b);
    expect(first).toEqual([{ slot: 0, file: expect.stringMatching(/^images\/[0-9a-f]{64}-ref0-[0-9a-f]{16}\.png$/), sourceName: 'b.png' }]);
    const stored = await sharp(join(store.dir, first[0]!.file)).metadata();
    expect([stored.format, stored.width, stored.height]).toEqual(['png', 64, 48]);
    await refs.setFromImage(a, 2, c);
    const replaced = await refs.setFromImage(a, 0, c);
    expect(replaced.map((r) => [r.slot, r.sourceName])).toEqual([[0, 'c.png'], [2, 'c.png']]);
    expect(existsSync(join(store.dir, first[0]!.file))).toBe(false);
    expect(refs.clear(a, 0).map((r) => r.slot)).toEqual([2]);
    expect(readdirSync(join(store.dir, 'images')).filter((n) => n.includes('-ref'))).toEqual([replaced[1]!.file.slice('images/'.length)]);
    // The sweep keeps a reference while its image exists; deleting the image removes its rows and then its file.
    expect(await sweepOrphans(store)).toBe(0);
    store.db.prepare('DELETE FROM images WHERE id = ?').run(a);
    expect(store.db.prepare('SELECT COUNT(*) FROM image_references').pluck().get()).toBe(0);
    expect(await sweepOrphans(store)).toBeGreaterThanOrEqual(1);
    expect(readdirSync(join(store.dir, 'images')).some((n) => n.includes('-ref'))).toBe(false);
    store.close();
  });

  it('refuses a fourth slot, an image as its own reference, an unknown image and an unreadable picture, changing nothing', async () => {
    const { store, ids } = await projectWithImages();
    const [a, b] = ids as [number, number];
    const refs = new ProjectReferences(store);
    await expect(refs.setFromImage(a, 3, b)).rejects.toThrow(/slots are 1 to 3/);
    await expect(refs.setFromImage(a, 0, a)).rejects.toThrow(/cannot be its own reference/);
    await expect(refs.setFromImage(a, 0, 999)).rejects.toThrow(/No image with id 999/);
    await expect(refs.set(a, 1, Buffer.from('not a picture'), 'x.png')).rejects.toThrow(/not a readable image/);
    expect(refs.list(a)).toEqual([]);
    expect(readdirSync(join(store.dir, 'images')).some((n) => n.includes('-ref'))).toBe(false);
    store.close();
  });
});

describe('import pairs reference images by folder convention', () => {
  it('takes control/NAME.*, control_1/ and control_2/ as the references of NAME.* (not as images), and notes what it cannot pair', async () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-refs-')), 'p'), { name: 'Edit', type: 'style', trigger: 'sks' });
    const src = mkdtempSync(join(tmpdir(), 'ls-refs-src-'));
    writeFileSync(join(src, 'a.png'), await photoPng(30, 64, 48));
    writeFileSync(join(src, 'b.jpg'), await photoPng(31, 64, 48));
    for (const folder of ['control', 'control_1', 'control_2']) mkdirSync(join(src, folder));
    writeFileSync(join(src, 'control', 'a.jpg'), await photoPng(32, 64, 48));
    writeFileSync(join(src, 'control_2', 'a.png'), await photoPng(33, 32, 32));
    writeFileSync(join(src, 'control', 'b.png'), 'not a picture');
    writeFileSync(join(src, 'control_1', 'b.webp'), await photoPng(34, 64, 48));
    writeFileSync(join(src, 'control', 'stray.png'), await photoPng(35, 64, 48));
    const summary = await importFiles(store, [src]);
    expect(summary).toMatchObject({ imported: 2 });
    const by = Object.fromEntries(summary.files.map((f) => [f.source.slice(src.length + 1), f]));
    expect(by['control/stray.png']).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/needs an image of the same name/) });
    expect(by['b.jpg']).toMatchObject({ status: 'imported', note: expect.stringMatching(/reference control\/b\.png was not kept/) });
    const ids = Object.fromEntries((store.db.prepare('SELECT id, source_name AS name FROM images').all() as { id: number; name: string }[]).map((r) => [r.name, r.id]));
    expect(Object.keys(ids).sort()).toEqual(['a.png', 'b.jpg']);
    const refs = new ProjectReferences(store);
    expect(refs.list(ids['a.png']!).map((r) => [r.slot, r.sourceName])).toEqual([[0, 'control/a.jpg'], [2, 'control_2/a.png']]);
    expect(refs.list(ids['b.jpg']!).map((r) => [r.slot, r.sourceName])).toEqual([[1, 'control_1/b.webp']]);
    const stored = await sharp(join(store.dir, refs.list(ids['a.png']!)[1]!.file)).metadata();
    expect([stored.format, stored.width, stored.height]).toEqual(['png', 32, 32]);
    store.close();
  });

  it('pairs control/ folders inside a zip the same way', async () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-refs-')), 'p'), { name: 'Edit', type: 'style', trigger: 'sks' });
    const src = mkdtempSync(join(tmpdir(), 'ls-refs-src-'));
    writeFileSync(join(src, 'pairs.zip'), zipSync({
      'set/a.png': await photoPng(40, 64, 48),
      'set/control/a.png': await photoPng(41, 64, 48),
      'set/control_1/a.jpg': await photoPng(42, 32, 32),
      'set/control/orphan.png': await photoPng(43, 64, 48),
      'alone/control/z.png': await photoPng(44, 64, 48),
    }));
    const summary = await importFiles(store, [join(src, 'pairs.zip')]);
    expect(summary).toMatchObject({ imported: 2 });
    expect(summary.files.find((f) => f.source.endsWith('set/control/orphan.png'))).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/needs an image of the same name/) });
    const ids = Object.fromEntries((store.db.prepare('SELECT id, source_name AS name FROM images').all() as { id: number; name: string }[]).map((r) => [r.name, r.id]));
    // A control folder without images beside it holds ordinary images.
    expect(Object.keys(ids).sort()).toEqual(['a.png', 'z.png']);
    expect(new ProjectReferences(store).list(ids['a.png']!).map((r) => [r.slot, r.sourceName])).toEqual([[0, 'control/a.png'], [1, 'control_1/a.jpg']]);
    store.close();
  });

  it('imports a control folder given on its own as ordinary images', async () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-refs-')), 'p'), { name: 'Edit', type: 'style', trigger: 'sks' });
    const src = mkdtempSync(join(tmpdir(), 'ls-refs-src-'));
    mkdirSync(join(src, 'control'));
    writeFileSync(join(src, 'control', 'a.png'), await photoPng(36, 64, 48));
    expect(await importFiles(store, [src])).toMatchObject({ imported: 1, rejected: 0 });
    store.close();
  });
});
