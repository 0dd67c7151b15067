import type { ImportSummary } from '@lora-studio/api';
import { zipSync } from 'fflate';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { bombPng, random } from './test-images';

/**
 * Malformed files for the import fuzz test and `npm run fuzz:import`: what a careless user or an attacker drops on the
 * studio. Every file comes from one seeded generator, so a failing seed replays exactly. Shared by the test (small
 * count) and the bench (1,000 and more).
 */

/** One generated file: where it is, the label the import reports it under, and how it was made (for failures). */
export interface FuzzFile {
  label: string;
  kind: string;
}

type Rng = () => number;
const pick = <T>(rnd: Rng, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const int = (rnd: Rng, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

/** A few tiny valid images per format, the seeds of every damaged one. */
export async function baseImages(): Promise<Record<'png' | 'jpg' | 'webp' | 'gif' | 'tiff', Buffer>> {
  const { data, info } = { data: Buffer.alloc(48 * 40 * 3), info: { width: 48, height: 40, channels: 3 as const } };
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  const img = () => sharp(data, { raw: info });
  return {
    png: await img().png().toBuffer(),
    jpg: await img().jpeg().toBuffer(),
    webp: await img().webp().toBuffer(),
    gif: await img().gif().toBuffer(),
    tiff: await img().tiff().toBuffer(),
  };
}

function mutate(rnd: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let k = int(rnd, 1, 12); k > 0; k--) out[int(rnd, 0, out.length - 1)] = int(rnd, 0, 255);
  return out;
}

function randomBytes(rnd: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(rnd, 0, 255);
  return b;
}

/** Overwrites a uint32 in every central-directory record of a zip built by zipSync (sizes, offsets). */
function patchDirectory(zip: Buffer, field: number, value: (old: number, k: number) => number): Buffer {
  const out = Buffer.from(zip);
  const eocd = out.length - 22;
  let p = out.readUInt32LE(eocd + 16);
  for (let k = 0; k < out.readUInt16LE(eocd + 10) && p + 46 <= eocd; k++) {
    out.writeUInt32LE(value(out.readUInt32LE(p + field), k) >>> 0, p + field);
    p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  return out;
}

/** Odd but legal Linux names: non-UTF-8 bytes, control characters, very long, leading dash, spaces, emoji. */
function oddName(rnd: Rng, ext: string, n: number): string | Buffer {
  switch (int(rnd, 0, 5)) {
    case 0:
      return Buffer.concat([Buffer.from(`bad-${n}-`), Buffer.from([0xff, 0xfe, int(rnd, 0x80, 0xbf)]), Buffer.from(ext)]);
    case 1:
      return `esc-${n}-\u001b[31mred\u0007\n${ext}`;
    case 2:
      return `${'long-'.repeat(48)}${n}${ext}`.slice(-250);
    case 3:
      return `-${n} leading dash ${ext}`;
    case 4:
      return `photo ${n} ✨ 写真${ext}`;
    default:
      return `.hidden-${n}${ext}`;
  }
}

/**
 * Writes `count` malformed (and some valid) files into `dir`, plus a few sidecars and links that ride along. `outside`
 * is a folder next to it that links may point into. Returns the files the import must account for.
 */
export async function writeFuzzFiles(dir: string, outside: string, count: number, seed: number): Promise<FuzzFile[]> {
  const rnd = random(seed);
  const base = await baseImages();
  const bomb = await bombPng();
  mkdirSync(dir, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'a private file that must never become a caption');
  writeFileSync(join(outside, 'elsewhere.png'), base.png);
  const files: FuzzFile[] = [];
  const formats = Object.keys(base) as Array<keyof typeof base>;
  const add = (name: string | Buffer, bytes: Uint8Array, kind: string) => {
    const path = typeof name === 'string' ? join(dir, name) : Buffer.concat([Buffer.from(`${dir}/`), name]);
    writeFileSync(path, bytes);
    const label = typeof name === 'string' ? join(dir, name) : join(dir, name.toString('utf8'));
    files.push({ label, kind });
  };

  for (let n = 0; n < count; n++) {
    const format = pick(rnd, formats);
    const img = base[format];
    const ext = `.${format}`;
    const kind = int(rnd, 0, 15);
    switch (kind) {
      case 0:
        add(`valid-${n}${ext}`, img, `valid ${format}`);
        break;
      case 1:
        add(`cut-${n}${ext}`, img.subarray(0, int(rnd, 0, img.length - 1)), `truncated ${format}`);
        break;
      case 2:
        add(`flipped-${n}${ext}`, mutate(rnd, img), `corrupted ${format}`);
        break;
      case 3:
        add(`header-${n}${ext}`, Buffer.concat([img.subarray(0, int(rnd, 4, 40)), randomBytes(rnd, int(rnd, 0, 400))]), `header then garbage ${format}`);
        break;
      case 4:
        add(`empty-${n}${ext}`, Buffer.alloc(0), 'empty');
        break;
      case 5:
        add(`bomb-${n}.png`, bomb, 'PNG declaring 60000×60000');
        break;
      case 6:
        add(`wrong-${n}${pick(rnd, ['.jpg', '.png', '.webp', '.gif'])}`, pick(rnd, [img, Buffer.from('plain text, not a picture'), randomBytes(rnd, 64)]), 'wrong extension');
        break;
      case 7:
        add(oddName(rnd, ext, n), img, 'odd name');
        break;
      case 8: {
        // A sidecar caption: too long, a link out of the folder, or fine.
        add(`captioned-${n}${ext}`, mutate(rnd, img), `${format} with a sidecar`);
        const which = int(rnd, 0, 2);
        if (which === 0) writeFileSync(join(dir, `captioned-${n}.txt`), 'long caption '.repeat(int(rnd, 1300, 3000)));
        else if (which === 1) symlinkSync(join(outside, 'secret.txt'), join(dir, `captioned-${n}.txt`));
        else writeFileSync(join(dir, `captioned-${n}.txt`), Buffer.concat([Buffer.from('caption '), randomBytes(rnd, 40)]));
        break;
      }
      case 9: {
        const link = join(dir, `link-${n}${pick(rnd, ['.png', '.jpg'])}`);
        symlinkSync(pick(rnd, [join(outside, 'elsewhere.png'), '/dev/zero', join(dir, 'missing.png'), link]), link);
        files.push({ label: link, kind: 'link' });
        break;
      }
      case 10:
        add(`zip-ok-${n}.zip`, zipSync({ [`5_sks/a-${n}${ext}`]: mutate(rnd, img), [`5_sks/a-${n}.txt`]: Buffer.from('a caption'), 'readme.md': Buffer.from('hi') }), 'zip');
        break;
      case 11: {
        // Lying sizes: declared uncompressed (24) or compressed (20) size changed in the table of contents.
        const zip = Buffer.from(zipSync({ [`a${ext}`]: img, [`b${ext}`]: mutate(rnd, img) }));
        const field = pick(rnd, [20, 24]);
        add(`zip-lying-${n}.zip`, patchDirectory(zip, field, (old) => pick(rnd, [0, 1, old >> 1, old * 2, old + 1, 0xfffffffe])), `zip lying about field ${field}`);
        break;
      }
      case 12: {
        // Every entry pointing at the first one's bytes, as small zips that expand to gigabytes do.
        const zip = Buffer.from(zipSync(Object.fromEntries(Array.from({ length: 16 }, (_, k) => [`e${k}.png`, new Uint8Array(int(rnd, 2000, 20000))]))));
        const first = zip.readUInt32LE(zip.readUInt32LE(zip.length - 22 + 16) + 42);
        add(`zip-overlap-${n}.zip`, patchDirectory(zip, 42, () => first), 'zip of overlapping entries');
        break;
      }
      case 13:
        add(`zip-bomb-${n}.zip`, zipSync({ [`bomb${ext}`]: new Uint8Array(int(rnd, 1, 4) * 1024 * 1024) }), 'zip entry at 1000:1');
        break;
      case 14: {
        const zip = Buffer.from(zipSync({ [`a${ext}`]: img, '../escape.png': img }));
        const how = int(rnd, 0, 2);
        const bytes = how === 0 ? zip.subarray(0, int(rnd, 0, zip.length - 1)) : how === 1 ? mutate(rnd, zip) : zip;
        add(`zip-damaged-${n}.zip`, bytes, ['truncated zip', 'corrupted zip', 'zip entry climbing out'][how]!);
        break;
      }
      default:
        add(`noise-${n}${pick(rnd, ['.zip', '.png', '.jpg', '.tiff', '.heic'])}`, randomBytes(rnd, int(rnd, 0, 2000)), 'random bytes');
    }
  }
  return files;
}

/**
 * Generates and imports `count` files in batches of `batch` (each batch one folder, one import, its own seed, so a
 * crash taints only its batch), then returns the tally. `importBatch` is the real import into a real project.
 */
export async function runImportFuzz(
  root: string,
  count: number,
  seed: number,
  importBatch: (folder: string) => Promise<ImportSummary>,
  batch = 50,
): Promise<FuzzTally> {
  const total: FuzzTally = { tried: 0, imported: 0, refusedCleanly: 0, crashed: 0, problems: [] };
  for (let b = 0; b * batch < count; b++) {
    const folder = join(root, `batch-${b}`);
    const files = await writeFuzzFiles(folder, join(root, 'outside'), Math.min(batch, count - b * batch), seed + b);
    let summary: ImportSummary | Error;
    try {
      summary = await importBatch(folder);
    } catch (err) {
      summary = err instanceof Error ? err : new Error(String(err));
    }
    const t = tallyFuzz(files, summary);
    total.tried += t.tried;
    total.imported += t.imported;
    total.refusedCleanly += t.refusedCleanly;
    total.crashed += t.crashed;
    total.problems.push(...t.problems.map((p) => `seed ${seed + b}: ${p}`));
  }
  return total;
}

export interface FuzzTally {
  tried: number;
  imported: number;
  refusedCleanly: number;
  crashed: number;
  /** What went wrong, one line per crashed file (empty when all is well). */
  problems: string[];
}

/**
 * Sorts every generated file into imported (or a duplicate), refused with a reason, or crashed: the import threw, or
 * said nothing about the file, or refused it without a reason.
 */
export function tallyFuzz(files: FuzzFile[], summary: ImportSummary | Error): FuzzTally {
  const tally: FuzzTally = { tried: files.length, imported: 0, refusedCleanly: 0, crashed: 0, problems: [] };
  for (const f of files) {
    const lines = summary instanceof Error ? [] : summary.files.filter((r) => r.source === f.label || r.source.startsWith(`${f.label}/`));
    let problem: string | undefined;
    if (summary instanceof Error) problem = `the import threw: ${summary.message}`;
    else if (lines.length === 0) problem = 'no line in the result';
    else if (lines.some((l) => l.status === 'rejected' && !(l.reason ?? '').trim())) problem = 'refused without a reason';
    if (problem) {
      tally.crashed++;
      tally.problems.push(`${JSON.stringify(f.label)} (${f.kind}): ${problem}`);
    } else if (lines.some((l) => l.status !== 'rejected')) tally.imported++;
    else tally.refusedCleanly++;
  }
  return tally;
}
