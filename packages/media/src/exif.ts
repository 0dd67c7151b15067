/** The few EXIF facts the studio uses: which camera, when, and which way up. */
export interface ExifFacts {
  make?: string;
  model?: string;
  /** Capture time as written by the camera, "YYYY-MM-DDTHH:MM:SS" (camera local time, no zone). */
  takenAt?: string;
  orientation?: number;
}

const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_ORIENTATION = 0x0112;
const TAG_DATETIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATETIME_ORIGINAL = 0x9003;

/**
 * Reads the EXIF block sharp returns (`metadata().exif`: "Exif\0\0" + a TIFF structure). Written defensively:
 * EXIF comes from the file, so every offset is bounds-checked and anything malformed yields fewer facts, never a throw.
 */
export function readExif(block: Buffer | undefined): ExifFacts {
  if (!block || block.length < 14) return {};
  const tiff = block.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block;
  const order = tiff.subarray(0, 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') return {};
  const le = order === 'II';
  const u16 = (o: number) => (o + 2 <= tiff.length ? (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o)) : -1);
  const u32 = (o: number) => (o + 4 <= tiff.length ? (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o)) : -1);

  const readIfd = (offset: number): Map<number, { type: number; count: number; valueAt: number }> => {
    const tags = new Map<number, { type: number; count: number; valueAt: number }>();
    const n = u16(offset);
    if (n < 0 || n > 1000) return tags;
    for (let i = 0; i < n; i++) {
      const e = offset + 2 + i * 12;
      const tag = u16(e);
      const type = u16(e + 2);
      const count = u32(e + 4);
      if (tag < 0 || type < 0 || count < 0) break;
      const size = (type === 3 ? 2 : type === 4 ? 4 : 1) * count;
      tags.set(tag, { type, count, valueAt: size <= 4 ? e + 8 : u32(e + 8) });
    }
    return tags;
  };
  const ascii = (entry: { type: number; count: number; valueAt: number } | undefined): string | undefined => {
    if (!entry || entry.type !== 2 || entry.valueAt < 0 || entry.valueAt + entry.count > tiff.length) return undefined;
    const text = tiff.subarray(entry.valueAt, entry.valueAt + entry.count).toString('latin1').replace(/\0.*$/s, '').trim();
    return text || undefined;
  };

  const facts: ExifFacts = {};
  const ifd0 = readIfd(u32(4));
  const make = ascii(ifd0.get(TAG_MAKE));
  const model = ascii(ifd0.get(TAG_MODEL));
  if (make) facts.make = make;
  if (model) facts.model = model;
  const orient = ifd0.get(TAG_ORIENTATION);
  if (orient && orient.type === 3) {
    const v = u16(orient.valueAt);
    if (v >= 1 && v <= 8) facts.orientation = v;
  }
  const exifIfd = ifd0.get(TAG_EXIF_IFD);
  const original = exifIfd ? ascii(readIfd(u32(exifIfd.valueAt)).get(TAG_DATETIME_ORIGINAL)) : undefined;
  const taken = toIsoLocal(original ?? ascii(ifd0.get(TAG_DATETIME)));
  if (taken) facts.takenAt = taken;
  return facts;
}

/** "2024:05:01 10:00:00" → "2024-05-01T10:00:00"; anything else (all-zero dates included) → undefined. */
function toIsoLocal(value: string | undefined): string | undefined {
  const m = value?.match(/^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/);
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}
