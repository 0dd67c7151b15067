import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';
import { sizeText } from './size-text';
import { IMPORT_LIMITS } from './thresholds';

/**
 * Reads .zip archives without trusting what they declare. The table of contents (central directory) is read from the
 * end of the file, every entry's data range is checked against the file and against every other entry's (two entries
 * sharing bytes is how small zips pretend to hold gigabytes), and an entry is inflated from the file in small slices
 * with a running count that stops the moment the output passes the entry's declared size, the per-file limit or the
 * archive's total budget. Memory stays at one entry's output plus a few small buffers, whatever the zip claims.
 */

/** One file in a zip, as its table of contents describes it, with its data range already checked. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; anything else is refused when read. */
  method: number;
  encrypted: boolean;
  crc: number;
  compressedSize: number;
  /** The size the zip declares; reading never returns more. */
  size: number;
  /** Where the local header starts, and where the entry's bytes start and end, in the zip file. */
  headerStart: number;
  dataStart: number;
  dataEnd: number;
}

/** The whole archive cannot be read: a damaged or crafted table of contents. */
export class ZipDamaged extends Error {
  override name = 'ZipDamaged';
}

/** One entry cannot be read; the others may still be. */
export class ZipEntryRefused extends Error {
  override name = 'ZipEntryRefused';
}

/** Bytes all entries of one archive may still expand to, shared by every read of that archive. */
export interface ZipBudget {
  total: number;
  used: number;
}

export function zipBudget(zipBytes: number): ZipBudget {
  const L = IMPORT_LIMITS;
  return { total: Math.min(L.maxZipExpandedBytes, Math.max(L.zipBudgetFloorBytes, L.zipBudgetPerZipByte * zipBytes)), used: 0 };
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Compressed bytes handed to the inflater at once: deflate expands at most ~1032×, so one push yields ≤ 17 MB. */
const SLICE = 16 * 1024;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * The entry's name. Zips mark UTF-8 names with flag bit 11; most tools write UTF-8 without it, and old Windows tools
 * write a code page. Names that are not UTF-8 are shown in Latin-1: they only label the image, never make a path.
 */
function entryName(raw: Buffer, flags: number): { name: string; validUtf8: boolean } {
  try {
    return { name: utf8.decode(raw), validUtf8: true };
  } catch {
    return { name: latin1.decode(raw), validUtf8: (flags & 0x800) === 0 };
  }
}

/** What the end-of-archive record says about the table of contents, zip64 included. */
function findDirectory(fd: number, fileSize: number): { offset: number; size: number; count: number } {
  const tailLength = Math.min(fileSize, 22 + MAX_COMMENT);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipDamaged('it has no table of contents (the file is cut off, or not a zip)');
  const eocdPos = fileSize - tailLength + at;
  let count = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  let end = eocdPos;
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocdPos >= 20 ? readAt(fd, eocdPos - 20, 20) : Buffer.alloc(0);
    if (locator.length === 20 && locator.readUInt32LE(0) === ZIP64_LOCATOR) {
      const z64At = Number(locator.readBigUInt64LE(8));
      const z64 = z64At + 56 <= eocdPos - 20 ? readAt(fd, z64At, 56) : Buffer.alloc(0);
      if (z64.length !== 56 || z64.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipDamaged('its zip64 table of contents record is damaged');
      count = Number(z64.readBigUInt64LE(32));
      size = Number(z64.readBigUInt64LE(40));
      offset = Number(z64.readBigUInt64LE(48));
      end = z64At;
    }
  }
  if (offset + size > end) throw new ZipDamaged('its table of contents runs past the end of the file (the file is cut off or damaged)');
  if (size > IMPORT_LIMITS.maxZipDirectoryBytes) throw new ZipDamaged('its table of contents is larger than any real image archive needs');
  return { offset, size, count };
}

/** Reads the zip64 extra field (id 1): the 64-bit values for whichever 32-bit fields were 0xFFFFFFFF, in order. */
function zip64Values(extra: Buffer, wanted: number): number[] {
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      const values: number[] = [];
      for (let k = 0; k < wanted && p + 4 + 8 * (k + 1) <= Math.min(extra.length, p + 4 + len); k++) {
        values.push(Number(extra.readBigUInt64LE(p + 4 + 8 * k)));
      }
      return values;
    }
    p += 4 + len;
  }
  return [];
}

export interface ZipListing {
  entries: ZipEntry[];
  /** Entries refused on sight (their data lies outside the file, or their name is unusable), with the reason. */
  refused: Array<{ name: string; reason: string }>;
}

/**
 * Lists a zip's files (folders left out) and checks that each one's bytes lie inside the file and that no two
 * entries share bytes. `wanted(name)` picks the entries that will be read; only those are checked and returned.
 * Throws ZipDamaged when the archive as a whole cannot be trusted.
 */
export function listZip(path: string, wanted: (name: string) => boolean): ZipListing {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const dir = findDirectory(fd, fileSize);
    const cd = readAt(fd, dir.offset, dir.size);
    if (cd.length !== dir.size) throw new ZipDamaged('its table of contents is cut off');
    const entries: ZipEntry[] = [];
    const refused: ZipListing['refused'] = [];
    let p = 0;
    let seen = 0;
    while (p < cd.length) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new ZipDamaged('its table of contents is cut off or damaged');
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let size = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let headerStart = cd.readUInt32LE(p + 42);
      const next = p + 46 + nameLength + extraLength + commentLength;
      if (next > cd.length) throw new ZipDamaged('its table of contents is cut off or damaged');
      const rawName = cd.subarray(p + 46, p + 46 + nameLength);
      const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      p = next;
      seen++;
      const { name, validUtf8 } = entryName(rawName, flags);
      if (name.endsWith('/') || !wanted(name)) continue;
      if (!validUtf8) {
        refused.push({ name, reason: 'The name is not valid UTF-8 although the zip says it is; rename it and zip it again.' });
        continue;
      }
      const big = [size === 0xffffffff, compressedSize === 0xffffffff, headerStart === 0xffffffff];
      if (big.some(Boolean)) {
        const values = zip64Values(extra, big.filter(Boolean).length);
        let k = 0;
        if (big[0]) size = values[k++] ?? Infinity;
        if (big[1]) compressedSize = values[k++] ?? Infinity;
        if (big[2]) headerStart = values[k++] ?? Infinity;
      }
      const local = headerStart + 30 <= dir.offset ? readAt(fd, headerStart, 30) : Buffer.alloc(0);
      if (local.length !== 30 || local.readUInt32LE(0) !== LOCAL) {
        refused.push({ name, reason: 'Its data lies outside the zip (the zip is damaged or was crafted); it was refused.' });
        continue;
      }
      const dataStart = headerStart + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const dataEnd = dataStart + compressedSize;
      if (!Number.isSafeInteger(dataEnd) || dataEnd > dir.offset) {
        refused.push({ name, reason: 'Its data runs past the end of the zip\'s contents (the zip is damaged or was crafted); it was refused.' });
        continue;
      }
      entries.push({ name, method, encrypted: (flags & 1) !== 0, crc, compressedSize, size, headerStart, dataStart, dataEnd });
    }
    if (seen !== dir.count && dir.count !== 0xffff) throw new ZipDamaged('its table of contents does not hold the number of entries it declares');
    assertNoOverlap(entries);
    return { entries, refused };
  } finally {
    closeSync(fd);
  }
}

/** Two entries whose bytes overlap are never made by a real zip tool; they make a small file inflate many times. */
function assertNoOverlap(entries: ZipEntry[]): void {
  const byStart = [...entries].sort((a, b) => a.headerStart - b.headerStart);
  for (let i = 1; i < byStart.length; i++) {
    const before = byStart[i - 1]!;
    const entry = byStart[i]!;
    if (entry.headerStart < before.dataEnd) {
      throw new ZipDamaged(`its entries "${before.name}" and "${entry.name}" share the same bytes, which only crafted zips (zip bombs) do`);
    }
  }
}

const overBudget = (budget: ZipBudget) =>
  new ZipEntryRefused(
    `The zip unpacks to more than its limit of ${sizeText(budget.total)} for all images together (${IMPORT_LIMITS.zipBudgetPerZipByte}× the zip's size, at least ${sizeText(IMPORT_LIMITS.zipBudgetFloorBytes)}), so this image was skipped. If the images are real, unzip the archive and import the folder.`,
  );

/**
 * Reads one entry, never producing more than `maxBytes`, the entry's declared size or what is left of the budget,
 * and checks its checksum. Throws ZipEntryRefused with the reason when the entry is refused or damaged.
 */
export function readZipEntry(path: string, entry: ZipEntry, budget: ZipBudget, maxBytes: number): Buffer {
  if (entry.encrypted) throw new ZipEntryRefused('It is encrypted (password-protected); unzip it with its password and import the file.');
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipEntryRefused(`It is compressed with a method LoRA Studio does not read (method ${entry.method}); re-create the zip with standard compression.`);
  }
  if (entry.size > maxBytes) throw new ZipEntryRefused(`It is ${sizeText(entry.size)}, over the ${sizeText(maxBytes)} limit.`);
  if (entry.method === 0 ? entry.compressedSize !== entry.size : entry.compressedSize > 0 && entry.size / entry.compressedSize > IMPORT_LIMITS.maxZipRatio) {
    throw new ZipEntryRefused('It expands far beyond its compressed size (a zip bomb); it was refused.');
  }
  if (budget.used + entry.size > budget.total) {
    throw overBudget(budget);
  }
  const out = Buffer.allocUnsafe(entry.size);
  let produced = 0;
  const take = (chunk: Uint8Array) => {
    if (produced + chunk.length > entry.size) throw new ZipEntryRefused('It holds more data than it declares (the zip was crafted to expand past its limits); it was refused.');
    budget.used += chunk.length;
    if (budget.used > budget.total) throw overBudget(budget);
    out.set(chunk, produced);
    produced += chunk.length;
  };
  if (entry.compressedSize === 0 && entry.size > 0) throw new ZipEntryRefused('It is damaged: it holds no data although it declares some.');
  const fd = openSync(path, 'r');
  try {
    const inflater = entry.method === 8 && entry.compressedSize > 0 ? new Inflate((chunk) => take(chunk)) : undefined;
    const block = Buffer.allocUnsafe(4 * SLICE);
    for (let at = entry.dataStart; at < entry.dataEnd; ) {
      const n = readSync(fd, block, 0, Math.min(block.length, entry.dataEnd - at), at);
      if (n === 0) throw new ZipEntryRefused('The zip is cut off inside this file; it could not be read whole.');
      at += n;
      for (let s = 0; s < n; s += SLICE) {
        const slice = block.subarray(s, Math.min(n, s + SLICE));
        if (inflater) inflater.push(slice, at === entry.dataEnd && s + SLICE >= n);
        else take(slice);
      }
    }
  } catch (err) {
    if (err instanceof ZipEntryRefused) throw err;
    throw new ZipEntryRefused(`It is damaged and could not be unpacked (${err instanceof Error ? err.message : String(err)}).`);
  } finally {
    closeSync(fd);
  }
  if (produced !== entry.size) throw new ZipEntryRefused('It is damaged: it unpacks to less than the size the zip declares.');
  if ((crc32(out) >>> 0) !== entry.crc >>> 0) throw new ZipEntryRefused('It is damaged: its checksum does not match (the zip was corrupted).');
  return out;
}
