import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../index';

/** A project with one captioned image, as the importer and the caption editor would leave it. */
async function captionedProject() {
  const s = createStudio({ home: mkdtempSync(join(tmpdir(), 'ls-core-export-')), mode: 'browser' });
  const created = await s.dispatcher.call(1, 'project-create', { name: 'Export guard', type: 'subject', trigger: 'sks' });
  if (!created.ok) throw new Error(created.error.message);
  const dir = (created.result as { dir: string }).dir;
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toFile(join(dir, 'images/a.png'));
  const id = Number(
    s.ctx
      .project(dir)
      .db.prepare('INSERT INTO images (hash, file, source_name, width, height, format, imported_at) VALUES (?, ?, ?, 16, 16, ?, ?)')
      .run('h', 'images/a.png', 'shot.png', 'png', new Date().toISOString()).lastInsertRowid,
  );
  const updated = await s.dispatcher.call(1, 'captions-update', { dir, imageId: id, text: 'a photo of sks person' });
  if (!updated.ok) throw new Error(updated.error.message);
  return { s, dir };
}

describe('captions-export guard', () => {
  it('refuses the project\'s own folders, also through a linked folder, and writes nothing there', async () => {
    const { s, dir } = await captionedProject();
    const outside = mkdtempSync(join(tmpdir(), 'ls-export-links-'));
    symlinkSync(join(dir, 'images'), join(outside, 'looks-harmless'));
    symlinkSync(dir, join(outside, 'project-link'));
    for (const outDir of [join(dir, 'images'), join(dir, 'images', 'sub'), join(dir, 'cache'), dir, join(outside, 'looks-harmless'), join(outside, 'project-link', 'runs', 'x')]) {
      const res = await s.dispatcher.call(1, 'captions-export', { dir, format: 'txt', outDir });
      expect(res.ok, outDir).toBe(false);
      if (!res.ok) expect(res.error).toMatchObject({ code: 'invalid-request', message: expect.stringContaining('is inside the project folder') });
    }
    expect(readdirSync(join(dir, 'images'))).toEqual(['a.png']);
    expect(existsSync(join(dir, 'runs', 'x'))).toBe(false);
    s.close();
  });

  it('refuses /proc before the export makes any folder, and exports through a link that leads outside', async () => {
    const { s, dir } = await captionedProject();
    const res = await s.dispatcher.call(1, 'captions-export', { dir, format: 'txt', outDir: '/proc/export' });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^\/proc\/export is inside \/proc/) } });
    const real = mkdtempSync(join(tmpdir(), 'ls-export-real-'));
    mkdirSync(join(real, 'dataset'));
    const links = mkdtempSync(join(tmpdir(), 'ls-export-links-'));
    symlinkSync(join(real, 'dataset'), join(links, 'dataset'));
    const ok = await s.dispatcher.call(1, 'captions-export', { dir, format: 'txt', outDir: join(links, 'dataset') });
    expect(ok).toMatchObject({ ok: true, result: { captions: 1 } });
    expect(readdirSync(join(real, 'dataset')).sort()).toEqual(['shot.png', 'shot.txt']);
    s.close();
  });
});
