import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { ProjectStore } from '@lora-studio/store';

export interface TestImage {
  name: string;
  colour: { r: number; g: number; b: number };
  width?: number;
  height?: number;
}

/**
 * A real project folder with real PNGs under images/, registered in the images table the way the importer does
 * (the importer itself is another package; these tests only need the rows).
 */
export async function projectWithImages(images: TestImage[], settings = { name: 'Test', type: 'subject' as const, trigger: 'sks' }) {
  const dir = join(mkdtempSync(join(tmpdir(), 'ls-captions-')), 'project');
  const store = ProjectStore.create(dir, settings);
  const ids: number[] = [];
  for (const img of images) {
    const width = img.width ?? 32;
    const height = img.height ?? 24;
    const png = await sharp({ create: { width, height, channels: 3, background: img.colour } }).png().toBuffer();
    const hash = createHash('sha256').update(png).update(img.name).digest('hex');
    const file = `images/${hash}.png`;
    await sharp(png).toFile(join(dir, file));
    const id = store.db
      .prepare('INSERT INTO images (hash, file, source_name, width, height, format, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(hash, file, img.name, width, height, 'png', new Date().toISOString()).lastInsertRowid;
    ids.push(Number(id));
  }
  return { dir, store, ids };
}

export const RED = { r: 220, g: 20, b: 30 };
export const BLUE = { r: 20, g: 40, b: 230 };
export const GREY = { r: 128, g: 128, b: 128 };
