import { mkdirSync } from 'node:fs';
import { replaceFile, replaceFileByCopy } from '@lora-studio/store';
import { basename, extname, join, parse } from 'node:path';
import { JSONL_FILE, readJsonl, readSidecars } from './caption-files';
import type { CaptionEntry, CaptionWrite, ProjectCaptions } from './project-captions';

export type CaptionFileFormat = 'txt' | 'jsonl';

export { JSONL_FILE } from './caption-files';

export interface ExportResult {
  outDir: string;
  /** Captions written. */
  captions: number;
  /** Images without a caption, not exported. */
  skipped: number;
  files: string[];
}

/**
 * Writes the captioned images as a training folder: each image under its imported name with a same-named .txt
 * beside it (kohya / ai-toolkit), or the images and one metadata.jsonl. Excluded images stay out.
 */
export function exportCaptions(
  projectDir: string,
  captions: ProjectCaptions,
  opts: { format: CaptionFileFormat; outDir: string; withImages?: boolean },
): ExportResult {
  const withImages = opts.withImages ?? true;
  mkdirSync(opts.outDir, { recursive: true });
  const entries = captions.list().filter((e) => !e.excluded);
  const written = entries.filter((e) => e.text !== null && e.text.trim() !== '');
  const names = exportNames(written);
  const files: string[] = [];
  const lines: string[] = [];
  for (const e of written) {
    const stem = names.get(e.imageId)!;
    const imageName = `${stem}${extname(e.file).toLowerCase()}`;
    if (withImages) {
      replaceFileByCopy(join(projectDir, e.file), join(opts.outDir, imageName));
      files.push(imageName);
    }
    if (opts.format === 'txt') {
      replaceFile(join(opts.outDir, `${stem}.txt`), `${e.text!.trim()}\n`);
      files.push(`${stem}.txt`);
    } else {
      lines.push(JSON.stringify({ file_name: imageName, text: e.text!.trim(), sha256: e.hash, reviewed: e.reviewed, source: e.source }));
    }
  }
  if (opts.format === 'jsonl') {
    replaceFile(join(opts.outDir, JSONL_FILE), lines.map((l) => `${l}\n`).join(''));
    files.push(JSONL_FILE);
  }
  return { outDir: opts.outDir, captions: written.length, skipped: entries.length - written.length, files };
}

/** The user's own file names, made unique: two "IMG_0001.jpg" from different folders become IMG_0001 and IMG_0001-2. */
function exportNames(entries: CaptionEntry[]): Map<number, string> {
  const used = new Set<string>();
  const names = new Map<number, string>();
  for (const e of entries) {
    const base = parse(e.sourceName).name.replace(/[\\/:*?"<>|]/g, '_') || e.hash.slice(0, 16);
    let stem = base;
    for (let n = 2; used.has(stem.toLowerCase()); n++) stem = `${base}-${n}`;
    used.add(stem.toLowerCase());
    names.set(e.imageId, stem);
  }
  return names;
}

export interface ImportResult {
  imported: number;
  unchanged: number;
  /** Reviewed captions kept because overwriting them was not allowed. */
  keptReviewed: number;
  /** Caption files that match no image of the project. */
  unmatched: string[];
}

/**
 * Reads captions from .txt sidecars (a folder) or JSONL (a file, or a folder holding metadata.jsonl), matching
 * images by content hash when given, else by file name. The whole file is checked before anything is written,
 * and the import is one undo step.
 */
export function importCaptions(
  captions: ProjectCaptions,
  opts: { format: CaptionFileFormat; from: string; overwriteReviewed?: boolean },
): ImportResult {
  const incoming = opts.format === 'txt' ? readSidecars(opts.from) : readJsonl(opts.from);
  const entries = captions.list();
  const byHash = new Map(entries.map((e) => [e.hash.toLowerCase(), e]));
  const byName = new Map<string, CaptionEntry>();
  for (const e of entries) {
    for (const key of [parse(e.sourceName).name, parse(e.file).name]) byName.set(key.toLowerCase(), e);
  }
  const result: ImportResult = { imported: 0, unchanged: 0, keptReviewed: 0, unmatched: [] };
  const writes: CaptionWrite[] = [];
  for (const c of incoming) {
    const entry = (c.hash && byHash.get(c.hash.toLowerCase())) || byName.get(c.key.toLowerCase());
    if (!entry) {
      result.unmatched.push(c.key);
      continue;
    }
    if (entry.text === c.text) {
      result.unchanged++;
      continue;
    }
    if (entry.reviewed && !opts.overwriteReviewed) {
      result.keptReviewed++;
      continue;
    }
    writes.push({ imageId: entry.imageId, text: c.text, source: 'import', reviewed: c.reviewed });
  }
  result.imported = writes.length;
  if (writes.length > 0) captions.write(`Import captions from ${basename(opts.from)}`, 'import', writes);
  return result;
}
