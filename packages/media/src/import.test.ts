import { ProjectStore } from '@lora-studio/store';
import { zipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSmallDisk } from '@lora-studio/store/testing';
import { DatasetCatalog } from './catalog';
import { importFiles, sweepOrphans } from './import';
import { bombPng, photoJpeg, photoPng } from './test-images';

const temp = (p: string) => mkdtempSync(join(tmpdir(), p));

function newProject(type: 'subject' | 'style' = 'subject'): ProjectStore {
  return ProjectStore.create(join(temp('ls-media-'), 'p'), { name: 'Test', type, trigger: 'sks' });
}

/** Every file under images/ and cache/thumbs/ belongs to a row: nothing half-written stays on disk. */
function filesMatchRows(store: ProjectStore): void {
  const hashes = (store.db.prepare('SELECT hash FROM images').all() as { hash: string }[]).map((r) => r.hash).sort();
  const originals = readdirSync(join(store.dir, 'images')).map((f) => f.split('.')[0]).sort();
  const thumbs = readdirSync(join(store.dir, 'cache', 'thumbs')).sort();
  expect(originals).toEqual(hashes);
  expect(thumbs).toEqual(hashes.flatMap((h) => [`${h}-1024.jpg`, `${h}-256.jpg`]));
}

describe('importFiles', () => {
  it('imports a folder, refuses every bad file with its own reason, and leaves nothing half-written', async () => {
    const store = newProject();
    const src = temp('ls-src-');
    const good = await photoJpeg(1, 640, 480);
    writeFileSync(join(src, 'a.jpg'), good);
    writeFileSync(join(src, 'b.png'), await sharp(await photoJpeg(2, 640, 480)).png().toBuffer());
    writeFileSync(join(src, 'empty.jpg'), Buffer.alloc(0));
    writeFileSync(join(src, 'cut.jpg'), good.subarray(0, good.length / 2));
    writeFileSync(join(src, 'notes.jpg'), 'not a picture');
    writeFileSync(join(src, 'bomb.png'), await bombPng());
    writeFileSync(join(src, 'report.pdf'), '%PDF-1.4');
    mkdirSync(join(src, 'nested'));
    writeFileSync(join(src, 'nested', 'copy-of-a.jpg'), good);
    symlinkSync(src, join(src, 'nested', 'loop'));
    symlinkSync(join(src, 'gone.jpg'), join(src, 'dangling.jpg'));

    const progress: number[] = [];
    const summary = await importFiles(store, [src], {}, (p) => progress.push(p.done));
    const by = Object.fromEntries(summary.files.map((f) => [f.source.slice(src.length + 1), f]));
    expect(summary).toMatchObject({ imported: 2, duplicates: 1, cancelled: false });
    expect(by['a.jpg']?.status).toBe('imported');
    expect(by['nested/copy-of-a.jpg']).toMatchObject({ status: 'duplicate', duplicateOf: by['a.jpg']?.imageId });
    expect(by['empty.jpg']?.reason).toMatch(/empty/);
    expect(by['cut.jpg']?.reason).toMatch(/cut off/);
    expect(by['notes.jpg']?.reason).toMatch(/not an image we can read/);
    expect(by['bomb.png']?.reason).toMatch(/60000×60000/);
    expect(by['report.pdf']?.reason).toMatch(/Not an image file/);
    expect(by['nested/loop']?.reason).toMatch(/loop/);
    expect(by['dangling.jpg']?.reason).toMatch(/does not exist/);
    expect(summary.rejected).toBe(7);
    expect(progress.at(-1)).toBe(summary.files.length);
    filesMatchRows(store);
    store.close();
  });

  it('keeps an image whose sidecar caption is over 16 KB and notes in its result that the caption was not kept', async () => {
    const store = newProject();
    const src = temp('ls-src-');
    writeFileSync(join(src, 'a.jpg'), await photoJpeg(7, 400, 300));
    writeFileSync(join(src, 'a.txt'), 'sks person '.repeat(2000));
    const summary = await importFiles(store, [src]);
    expect(summary.files).toEqual([
      { source: join(src, 'a.jpg'), status: 'imported', imageId: expect.any(Number), note: expect.stringMatching(/a\.txt is 22 KB, over the 16 KB limit, so the caption was not kept/) },
    ]);
    expect(new DatasetCatalog(store).list()[0]!.caption).toBeNull();
    store.close();
  });

  it('pairs a_mask.png with a.png: the mask is stored grey at the image size, not imported; a bad mask is noted and its image kept', async () => {
    const store = newProject();
    const src = temp('ls-src-');
    writeFileSync(join(src, 'a.png'), await photoPng(8, 64, 48));
    writeFileSync(join(src, 'a_mask.png'), await sharp({ create: { width: 16, height: 12, channels: 3, background: '#ffffff' } }).png().toBuffer());
    writeFileSync(join(src, 'b.jpg'), await photoJpeg(9, 64, 48));
    writeFileSync(join(src, 'b_mask.webp'), 'not a picture');
    const summary = await importFiles(store, [src]);
    expect(summary).toMatchObject({ imported: 2, rejected: 0 });
    const by = Object.fromEntries(summary.files.map((f) => [f.source.slice(src.length + 1), f]));
    expect(Object.keys(by).sort()).toEqual(['a.png', 'b.jpg']);
    expect(by['a.png']?.note).toBeUndefined();
    expect(by['b.jpg']).toMatchObject({ status: 'imported', note: expect.stringMatching(/mask b_mask\.webp is not a readable image/) });
    const rows = store.db.prepare('SELECT source_name AS name, hash, mask_file AS maskFile FROM images ORDER BY source_name').all() as { name: string; hash: string; maskFile: string | null }[];
    expect(rows.map((r) => [r.name, r.maskFile])).toEqual([['a.png', `images/${rows[0]!.hash}-mask.png`], ['b.jpg', null]]);
    const stored = await sharp(join(store.dir, rows[0]!.maskFile!)).stats();
    const meta = await sharp(join(store.dir, rows[0]!.maskFile!)).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([64, 48, 1]);
    expect(stored.channels[0]!.min).toBe(255);
    // A mask a crash left without its row is swept like any other orphan.
    writeFileSync(join(store.dir, 'images', `${'ef'.repeat(32)}-mask.png`), 'x');
    expect(await sweepOrphans(store)).toBe(1);
    expect(readdirSync(join(store.dir, 'images'))).toContain(`${rows[0]!.hash}-mask.png`);
    store.close();
  });

  it('pairs NAME_mask.png with NAME.png inside a zip and among files given one by one; a lone _mask.png is an image', async () => {
    const store = newProject();
    const src = temp('ls-src-');
    const white = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const zip = zipSync({
      'set/a.png': new Uint8Array(await photoPng(21, 64, 48)),
      'set/a_mask.png': new Uint8Array(white),
      'set/b.png': new Uint8Array(await photoPng(22, 64, 48)),
      // A mask in another folder than its image belongs to nothing: it is an image of its own.
      'other/b_mask.png': new Uint8Array(await photoPng(23, 64, 48)),
    });
    writeFileSync(join(src, 'set.zip'), zip);
    writeFileSync(join(src, 'c.jpg'), await photoJpeg(24, 64, 48));
    writeFileSync(join(src, 'c_mask.png'), white);
    const summary = await importFiles(store, [join(src, 'set.zip'), join(src, 'c_mask.png'), join(src, 'c.jpg')]);
    expect(summary.files.map((f) => [f.source.slice(src.length + 1), f.status]).sort()).toEqual([
      ['c.jpg', 'imported'], ['set.zip/other/b_mask.png', 'imported'], ['set.zip/set/a.png', 'imported'], ['set.zip/set/b.png', 'imported'],
    ]);
    const rows = store.db.prepare('SELECT source_name AS name, mask_file AS maskFile FROM images ORDER BY source_name').all() as { name: string; maskFile: string | null }[];
    expect(rows.map((r) => [r.name, r.maskFile !== null])).toEqual([['a.png', true], ['b.png', false], ['b_mask.png', false], ['c.jpg', true]]);
    for (const r of rows.filter((x) => x.maskFile)) {
      const meta = await sharp(join(store.dir, r.maskFile!)).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([64, 48, 1]);
    }
    store.close();
  });

  it('a second import of the same photos adds nothing', async () => {
    const store = newProject();
    const src = temp('ls-src-');
    writeFileSync(join(src, 'a.jpg'), await photoJpeg(3, 600, 600));
    expect((await importFiles(store, [src])).imported).toBe(1);
    expect(await importFiles(store, [join(src, 'a.jpg')])).toMatchObject({ imported: 0, duplicates: 1 });
    store.close();
  });

  it('reads kohya folders (repeats and .txt captions) and zips, refusing entries that climb out', async () => {
    const store = newProject();
    const src = temp('ls-src-');
    const kohya = join(src, '10_sks person');
    mkdirSync(kohya);
    writeFileSync(join(kohya, 'one.jpg'), await photoJpeg(4, 600, 600));
    writeFileSync(join(kohya, 'one.txt'), 'a photo of sks person in a park\n');
    const zip = zipSync({
      '5_sks person/two.jpg': await photoJpeg(5, 600, 600),
      '5_sks person/two.txt': new TextEncoder().encode('sks person at the beach'),
      '../evil.jpg': await photoJpeg(6, 600, 600),
      'readme.md': new TextEncoder().encode('hi'),
    });
    writeFileSync(join(src, 'set.zip'), zip);
    const summary = await importFiles(store, [kohya, join(src, 'set.zip')]);
    expect(summary.imported).toBe(2);
    expect(summary.files.find((f) => f.source.endsWith('evil.jpg'))?.reason).toMatch(/outside the archive/);
    const images = new DatasetCatalog(store).list({ sort: 'name' });
    expect(images.map((i) => [i.sourceName, i.repeats, i.caption])).toEqual([
      ['one.jpg', 10, 'a photo of sks person in a park'],
      ['two.jpg', 5, 'sks person at the beach'],
    ]);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM captions WHERE source = 'import'").get()).toEqual({ n: 2 });
    filesMatchRows(store);
    store.close();
  });

  it('sweeps files a crash left without a row, and cancels between files', async () => {
    const store = newProject();
    const orphan = `${'ab'.repeat(32)}.jpg`;
    writeFileSync(join(store.dir, 'images', orphan), 'x');
    mkdirSync(join(store.dir, 'cache', 'thumbs'), { recursive: true });
    writeFileSync(join(store.dir, 'cache', 'thumbs', `${'cd'.repeat(32)}-256.jpg.tmp-1`), 'x');
    expect(await sweepOrphans(store)).toBe(2);
    const src = temp('ls-src-');
    for (let i = 0; i < 4; i++) writeFileSync(join(src, `${i}.jpg`), await photoJpeg(20 + i, 320, 240));
    const abort = new AbortController();
    const summary = await importFiles(store, [src], { concurrency: 1 }, (p) => p.done === 1 && abort.abort(), abort.signal);
    expect(summary).toMatchObject({ imported: 1, cancelled: true });
    filesMatchRows(store);
    store.close();
  });
});

describe('import on a full or read-only disk', () => {
  const disk = makeSmallDisk(2048);
  afterAll(() => disk.unmount());
  const needsDisk = disk.dir === undefined ? ` (skipped: ${disk.reason})` : '';

  it.skipIf(disk.dir === undefined)(`stops at the first file that does not fit and says so once, naming the project folder and its free space${needsDisk}`, async () => {
    const store = ProjectStore.create(join(disk.dir!, 'p'), { name: 'Small', type: 'subject', trigger: 'sks' });
    const src = temp('ls-src-');
    for (let i = 0; i < 12; i++) writeFileSync(join(src, `${String(i).padStart(2, '0')}.jpg`), await photoJpeg(60 + i, 320, 240));
    expect((await importFiles(store, [join(src, '00.jpg'), join(src, '01.jpg')])).imported).toBe(2);
    disk.fill();
    const full = await importFiles(store, [src]);
    expect(full.imported).toBe(0);
    expect(full.duplicates).toBe(2);
    const diskLines = full.files.filter((f) => /disk/.test(f.reason ?? ''));
    expect(diskLines).toHaveLength(1);
    expect(diskLines[0]!.reason).toMatch(new RegExp(`The disk that holds ${store.dir} is full \\([\\d.]+ MB free\\).*10 files were not imported; the 0 imported before are kept`));
    expect(full.files).toHaveLength(3);
    expect(full.rejected).toBe(10);
    filesMatchRows(store);

    disk.makeRoom();
    // A read-only images/ folder (a read-only bind mount: the database stays writable, as on a disk gone read-only
    // under an open project, which the kernel would not let a test remount while SQLite holds it open).
    const images = join(store.dir, 'images');
    execFileSync('mount', ['--bind', images, images]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', images]);
      const readOnly = await importFiles(store, [src]);
      const lines = readOnly.files.filter((f) => /read-only/.test(f.reason ?? ''));
      expect(lines).toHaveLength(1);
      expect(lines[0]!.reason).toMatch(new RegExp(`^${store.dir} is read-only.*10 files were not imported`));
      filesMatchRows(store);
    } finally {
      execFileSync('umount', [images]);
    }
    store.close();
    const again = ProjectStore.open(store.dir);
    expect((await importFiles(again, [src])).imported).toBe(10);
    filesMatchRows(again);
    again.close();
  });
});

describe('dataset view', () => {
  it('exclusion persists, near-duplicates cluster, one session and the count band are reported', async () => {
    const store = newProject('subject');
    const src = temp('ls-src-');
    const base = await photoJpeg(30, 1024, 1024);
    writeFileSync(join(src, 'orig.jpg'), base);
    writeFileSync(join(src, 'resaved.jpg'), await sharp(base).jpeg({ quality: 60 }).toBuffer());
    for (let i = 0; i < 4; i++) {
      const shot = await sharp(await photoJpeg(40 + i, 1024, 1024))
        .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R6' }, IFD2: { DateTimeOriginal: `2024:05:01 10:0${i}:00` } })
        .jpeg()
        .toBuffer();
      writeFileSync(join(src, `shoot-${i}.jpg`), shot);
    }
    await importFiles(store, [src]);
    const catalog = new DatasetCatalog(store);
    const health = catalog.health();
    const idOf = (name: string) => catalog.list().find((i) => i.sourceName === name)!.id;
    expect(health.nearDuplicates).toEqual([[idOf('orig.jpg'), idOf('resaved.jpg')].sort((a, b) => a - b)]);
    expect(catalog.get(idOf('orig.jpg'))!.flags.map((f) => f.id)).toContain('near-duplicate');
    expect(health.count.status).toBe('error');
    expect(health.count.message).toMatch(/at least 10 images; 20–30 is optimal/);
    const session = health.sessions.find((s) => s.basis === 'exif');
    expect(session?.imageIds).toHaveLength(4);
    expect(health.warnings.map((w) => w.id)).toEqual(expect.arrayContaining(['image-count', 'one-session', 'near-duplicates']));

    const origId = idOf('orig.jpg');
    catalog.update([idOf('resaved.jpg')], { excluded: true });
    store.close();
    const reopened = ProjectStore.open(store.dir);
    const again = new DatasetCatalog(reopened);
    expect(again.list({ show: 'excluded' }).map((i) => i.sourceName)).toEqual(['resaved.jpg']);
    expect(again.health()).toMatchObject({ included: 5, excluded: 1, nearDuplicates: [] });
    expect(() => again.update([origId], { crop: { x: 0, y: 0, width: 5000, height: 10 } })).toThrow(/outside/);
    again.update([origId], { crop: { x: 0, y: 0, width: 400, height: 400 } });
    expect(again.get(origId)!.flags.map((f) => f.id)).toContain('low-resolution');
    reopened.close();
  });
});
