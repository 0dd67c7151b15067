import { ProjectStore } from '@lora-studio/store';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
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
