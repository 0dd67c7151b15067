import { zipSync } from 'fflate';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listZip, readZipEntry, ZipDamaged, zipBudget, type ZipEntry } from './zip-reader';

const dir = mkdtempSync(join(tmpdir(), 'ls-zip-'));
let counter = 0;
const save = (bytes: Uint8Array) => {
  const path = join(dir, `${++counter}.zip`);
  writeFileSync(path, bytes);
  return path;
};
const all = () => true;
const text = (s: string) => new TextEncoder().encode(s);
/** Varied bytes that deflate barely shrinks, like a JPEG's. */
const noise = (n: number, seed = 1) => {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
};

/** Where each central-directory record of a zip built by zipSync sits, to corrupt it by hand. */
function records(zip: Buffer): { eocd: number; cdOffset: number; entries: Array<{ at: number; name: string }> } {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let p = cdOffset, k = 0; k < zip.readUInt16LE(eocd + 10); k++) {
    const n = zip.readUInt16LE(p + 28);
    entries.push({ at: p, name: zip.subarray(p + 46, p + 46 + n).toString() });
    p += 46 + n + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return { eocd, cdOffset, entries };
}

const read = (path: string, entry: ZipEntry, max = 1 << 30) => readZipEntry(path, entry, zipBudget(1 << 20), max);

describe('zip reader', () => {
  it('reads stored and deflated entries, checks their checksums, and leaves folders out', () => {
    const photo = noise(5000);
    const path = save(zipSync({ 'a/photo.jpg': [photo, { level: 0 }], 'a/photo.txt': text('a caption '.repeat(50)), 'empty/': new Uint8Array(0) }));
    const { entries, refused } = listZip(path, all);
    expect(refused).toEqual([]);
    expect(entries.map((e) => [e.name, e.method])).toEqual([['a/photo.jpg', 0], ['a/photo.txt', 8]]);
    expect(read(path, entries[0]!).equals(photo)).toBe(true);
    expect(read(path, entries[1]!).toString()).toBe('a caption '.repeat(50));
  });

  it('stops inflating at the declared size when an entry lies about it (and says so)', () => {
    const zip = Buffer.from(zipSync({ 'big.png': new Uint8Array(1024 * 1024) }));
    const { entries } = records(zip);
    // Declare 1,000 bytes where 1 MB of zeros is stored: the entry passes the ratio check, so only the count stops it.
    zip.writeUInt32LE(1000, entries[0]!.at + 24);
    const path = save(zip);
    const [entry] = listZip(path, all).entries;
    expect(entry!.size).toBe(1000);
    expect(() => read(path, entry!)).toThrow(/holds more data than it declares/);
  });

  it('refuses an entry that unpacks to less than it declares, and one whose checksum is wrong', () => {
    const zip = Buffer.from(zipSync({ 'a.png': noise(3000) }));
    const { entries } = records(zip);
    zip.writeUInt32LE(3100, entries[0]!.at + 24);
    const path = save(zip);
    expect(() => read(path, listZip(path, all).entries[0]!)).toThrow(/less than the size the zip declares/);

    const zip2 = Buffer.from(zipSync({ 'a.png': [noise(3000), { level: 0 }] }));
    zip2[100] = (zip2[100]! + 1) & 0xff;
    const path2 = save(zip2);
    expect(() => read(path2, listZip(path2, all).entries[0]!)).toThrow(/checksum does not match/);
  });

  it('refuses an entry at 1000:1 as a zip bomb before inflating it', () => {
    const path = save(zipSync({ 'bomb.png': new Uint8Array(1024 * 1024) }));
    const [entry] = listZip(path, all).entries;
    expect(entry!.size / entry!.compressedSize).toBeGreaterThan(900);
    expect(() => read(path, entry!)).toThrow(/zip bomb/);
  });

  it('refuses entries over the per-file limit and past the archive budget', () => {
    const path = save(zipSync({ 'a.png': [noise(4000, 1), { level: 0 }], 'b.png': [noise(4000, 2), { level: 0 }] }));
    const [a, b] = listZip(path, all).entries;
    expect(() => read(path, a!, 1000)).toThrow(/over the 1 KB limit/);
    const budget = { total: 6000, used: 0 };
    expect(readZipEntry(path, a!, budget, 1 << 20).length).toBe(4000);
    expect(() => readZipEntry(path, b!, budget, 1 << 20)).toThrow(/unpacks to more than its limit of 6 KB for all images together/);
    expect(zipBudget(261 * 1024).total).toBe(64 * 1024 * 1024);
    expect(zipBudget(100 * 1024 * 1024).total).toBe(2000 * 1024 * 1024);
    expect(zipBudget(1024 * 1024 * 1024).total).toBe(4 * 1024 * 1024 * 1024);
  });

  it('refuses a zip whose entries share bytes (many names for one compressed stream)', () => {
    const zip = Buffer.from(zipSync({ 'a.png': noise(2000, 1), 'b.png': noise(2000, 2), 'c.png': noise(2000, 3) }));
    const { entries } = records(zip);
    // Point c.png's table-of-contents record at a.png's local header, as bombs that reuse one stream do.
    zip.writeUInt32LE(zip.readUInt32LE(entries[0]!.at + 42), entries[2]!.at + 42);
    const path = save(zip);
    expect(() => listZip(path, all)).toThrow(ZipDamaged);
    expect(() => listZip(path, all)).toThrow(/"a.png" and "c.png" share the same bytes/);
    // An entry the import does not want is never read, so its overlap does not matter.
    expect(listZip(path, (n) => n !== 'c.png').entries).toHaveLength(2);
  });

  it('refuses entries whose data lies outside the file, and cut-off tables of contents', () => {
    const zip = Buffer.from(zipSync({ 'a.png': noise(2000, 1), 'b.png': noise(2000, 2) }));
    const { entries, eocd } = records(zip);
    const bad = Buffer.from(zip);
    bad.writeUInt32LE(0x7fffffff, entries[0]!.at + 20); // compressed size far past the end
    bad.writeUInt32LE(zip.length + 10, entries[1]!.at + 42); // local header beyond the file
    const path = save(bad);
    const listing = listZip(path, all);
    expect(listing.entries).toEqual([]);
    expect(listing.refused.map((r) => r.name)).toEqual(['a.png', 'b.png']);
    expect(listing.refused[0]!.reason).toMatch(/runs past the end/);
    expect(listing.refused[1]!.reason).toMatch(/outside the zip/);

    const short = Buffer.from(zip);
    short.writeUInt32LE(short.readUInt32LE(eocd + 12) - 10, eocd + 12); // table of contents declared 10 bytes short
    expect(() => listZip(save(short), all)).toThrow(/cut off or damaged|number of entries/);
    const fewer = Buffer.from(zip);
    fewer.writeUInt16LE(5, eocd + 8);
    fewer.writeUInt16LE(5, eocd + 10);
    expect(() => listZip(save(fewer), all)).toThrow(/number of entries it declares/);
    expect(() => listZip(save(zip.subarray(0, zip.length - 30)), all)).toThrow(/no table of contents/);
    expect(() => listZip(save(Buffer.alloc(0)), all)).toThrow(/no table of contents/);
  });

  it('refuses encrypted entries and unknown compression methods with a reason', () => {
    const zip = Buffer.from(zipSync({ 'a.png': noise(500, 1), 'b.png': noise(500, 2) }));
    const { entries } = records(zip);
    zip.writeUInt16LE(zip.readUInt16LE(entries[0]!.at + 8) | 1, entries[0]!.at + 8);
    zip.writeUInt16LE(14, entries[1]!.at + 10); // LZMA
    const path = save(zip);
    const [a, b] = listZip(path, all).entries;
    expect(() => read(path, a!)).toThrow(/encrypted/);
    expect(() => read(path, b!)).toThrow(/method 14/);
  });

  it('refuses a name flagged UTF-8 that is not, and reads an unflagged legacy name', () => {
    const zip = Buffer.from(zipSync({ 'x.png': noise(100, 1), 'y.png': noise(100, 2) }));
    const { entries } = records(zip);
    for (const e of entries) zip[e.at + 46] = 0xe9; // "é" in Latin-1, not UTF-8
    zip.writeUInt16LE(zip.readUInt16LE(entries[0]!.at + 8) | 0x800, entries[0]!.at + 8);
    zip.writeUInt16LE(zip.readUInt16LE(entries[1]!.at + 8) & ~0x800, entries[1]!.at + 8);
    const path = save(zip);
    const listing = listZip(path, all);
    expect(listing.refused.map((r) => [r.name, r.reason])).toEqual([['é.png', expect.stringMatching(/not valid UTF-8/)]]);
    expect(listing.entries.map((e) => e.name)).toEqual(['é.png']);
  });
});
