import { maskOwnerStem, referenceSlotOfFolder } from '@lora-studio/api';
import { confinedPathOrUndefined, FileRefusedError, readFileCapped, UnusablePathError } from '@lora-studio/store';
import { isUtf8 } from 'node:buffer';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, posix, resolve } from 'node:path';
import { sizeText } from './size-text';
import { IMPORT_LIMITS } from './thresholds';
import { listZip, readZipEntry, ZipDamaged, ZipEntryRefused, zipBudget, type ZipEntry } from './zip-reader';

/** One image to import, wherever it comes from (a file, a folder, a zip entry, an upload). */
export interface ImageSource {
  /** What the user sees: the path, or "archive.zip/dir/a.jpg". */
  label: string;
  /** The file name stored as the image's source name. */
  name: string;
  /** The file's bytes, at most IMPORT_LIMITS.maxFileBytes; throws an Error whose message is the reason to show. */
  read(): Promise<Buffer>;
  /** kohya "10_sks person" folder → 10. */
  repeats: number;
  /** A kohya-style sidecar caption (image.txt beside image.jpg). */
  caption: string | null;
  /** Something the user should know even though the image is imported (its caption was too long and not kept). */
  note?: string;
  /** Masked training: `NAME_mask.png` found beside the image in its folder (not imported as an image itself). */
  mask?: MaskSource;
  /** Edit LoRAs: `control/NAME.png`, `control_1/…`, `control_2/…` beside the image's folder (not imported as images). */
  references?: ReferenceSource[];
}

/** A reference image file of an image; `read()` throws an Error whose message is the reason it was not kept. */
export interface ReferenceSource {
  /** 0 from control/, 1 from control_1/, 2 from control_2/. */
  slot: number;
  /** "control/NAME.png": the name the user knows it by. */
  name: string;
  read(): Promise<Buffer>;
}

/** An image's mask file; `read()` throws an Error whose message is the reason the mask was not kept. */
export interface MaskSource {
  name: string;
  read(): Promise<Buffer>;
}

/** Something refused while finding images, before any was read. */
export interface RefusedSource {
  label: string;
  reason: string;
}

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.avif', '.tif', '.tiff', '.gif', '.heic', '.heif']);
/** Files that travel with datasets and are not images: read as sidecars or skipped without a word. */
const QUIET_EXTENSIONS = new Set(['.txt', '.caption', '.json', '.toml', '.yaml', '.yml', '.md', '.npz', '.db', '.ini']);
const CAPTION_EXTENSIONS = new Set(['.txt', '.caption']);

const NOT_UTF8 = 'The name is not valid UTF-8, so LoRA Studio cannot keep or show it; rename it and import it again.';
const LEADS_OUTSIDE =
  'It is a link that leads outside the folder being imported, so it was not read; copy the file itself into the folder, or import the place it leads to.';
const NOT_REGULAR = 'Not a regular file (a device, socket or pipe); it was skipped.';
/** A file (or zip entry) of an extension that is not an image's, whichever way it came. */
const notAnImage = (ext: string) => `Not an image file (${ext || 'no extension'}); import JPEG, PNG, WebP, AVIF, TIFF, GIF or HEIC files.`;

/** "10_sks person" → 10; any other folder name → undefined. */
export function kohyaRepeats(folderName: string): number | undefined {
  const m = /^(\d{1,4})_\S/.exec(folderName);
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 ? n : undefined;
}

function captionKey(path: string): string {
  return join(dirname(path), basename(path, extname(path)));
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** The note an image gets when its caption file was over the limit: the image is kept, the caption is not. */
function captionTooLong(captionName: string, bytes: number): string {
  return `Its caption file ${captionName} is ${sizeText(bytes)}, over the ${sizeText(IMPORT_LIMITS.maxCaptionBytes)} limit, so the caption was not kept (the image was imported without one). Shorten it and import the captions again.`;
}

/**
 * For a path that "does not exist": when a part of it was spelled with U+FFFD, the real name on disk is probably not
 * valid UTF-8 (Linux allows any bytes; Node replaces the ones it cannot decode). Look for such a name beside it.
 */
function hasNonUtf8Name(path: string): boolean {
  if (!path.includes('\uFFFD')) return false;
  let current = resolve(path);
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return false;
    if (existsSync(parent)) {
      try {
        const wanted = basename(current);
        return readdirSync(parent, { encoding: 'buffer' }).some((n) => !isUtf8(n) && n.toString('utf8') === wanted);
      } catch {
        return false;
      }
    }
    current = parent;
  }
  return false;
}

function fsReason(err: unknown, path?: string): string {
  if (err instanceof FileRefusedError || err instanceof UnusablePathError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'You do not have permission to read it; check the file permissions.';
  if (code === 'ELOOP') return 'It is a symbolic link loop (a link that leads back to itself); it was skipped.';
  if (code === 'ENOENT') return path !== undefined && hasNonUtf8Name(path) ? NOT_UTF8 : 'It does not exist (or is a link to something that no longer exists).';
  if (code === 'EISDIR') return 'It is a folder, not a file.';
  if (code === 'ENXIO') return 'It is a socket or a device, not a regular file; it was skipped.';
  if (code === 'ENAMETOOLONG') return 'Its name is too long for this system; rename it with a shorter name.';
  return `It could not be read (${err instanceof Error ? err.message : String(err)}).`;
}

/** An error whose message is the reason shown beside the file; `read()` throws nothing else. */
function readFailure(err: unknown, path: string): Error {
  return new Error(err instanceof ZipEntryRefused ? err.message : fsReason(err, path));
}

/**
 * Expands what the user dropped (files, folders, zips; `name` overrides the label for uploads) into image sources.
 * Folders recurse; links are followed only while they stay inside the folder being imported, and a folder already on
 * the current path is a loop and is refused. Nothing is read here except small sidecar captions.
 */
export async function findSources(inputs: ReadonlyArray<string | { path: string; name: string }>): Promise<{ sources: ImageSource[]; refused: RefusedSource[] }> {
  const sources: ImageSource[] = [];
  const refused: RefusedSource[] = [];
  let seen = 0;

  /**
   * Sidecars of one folder, found before its images: key (path without extension) → caption text or a note, and →
   * the path of the image's mask.
   */
  interface Captions {
    text: Map<string, string>;
    notes: Map<string, string>;
    masks: Map<string, string>;
    /** key → the image's reference files, by slot. */
    references: Map<string, { slot: number; name: string; path: string }[]>;
  }
  const noCaptions = (): Captions => ({ text: new Map(), notes: new Map(), masks: new Map(), references: new Map() });

  const addFile = async (path: string, label: string, name: string, explicit: boolean, repeats: number, captions: Captions) => {
    const ext = extname(name).toLowerCase();
    if (ext === '.zip') {
      await addZip(path, label);
      return;
    }
    if (!IMAGE_EXTENSIONS.has(ext)) {
      if (explicit || !(QUIET_EXTENSIONS.has(ext) || name.startsWith('.'))) {
        refused.push({ label, reason: notAnImage(ext) });
      }
      return;
    }
    if (++seen > IMPORT_LIMITS.maxFiles) return;
    const key = captionKey(path);
    const note = captions.notes.get(key);
    const maskPath = captions.masks.get(key);
    const references = captions.references.get(key);
    sources.push({
      label,
      name,
      // A synchronous read: an async one waits in the thread pool behind sharp's decodes (2.6 ms per image measured).
      // Capped: the size is checked on the open file before reading, and a file that grows stops at the limit.
      read: async () => {
        try {
          return readFileCapped(path, IMPORT_LIMITS.maxFileBytes, 'an image');
        } catch (err) {
          throw readFailure(err, path);
        }
      },
      repeats,
      caption: captions.text.get(key) ?? null,
      ...(note ? { note } : {}),
      ...(maskPath ? { mask: maskSource(maskPath) } : {}),
      ...(references ? { references: references.map((r) => referenceSource(r)) } : {}),
    });
  };

  const referenceSource = (r: { slot: number; name: string; path: string }): ReferenceSource => ({
    slot: r.slot,
    name: r.name,
    read: async () => {
      try {
        return readFileCapped(r.path, IMPORT_LIMITS.maxFileBytes, 'a reference image');
      } catch (err) {
        throw readFailure(err, r.path);
      }
    },
  });

  const maskSource = (path: string): MaskSource => ({
    name: basename(path),
    read: async () => {
      try {
        return readFileCapped(path, IMPORT_LIMITS.maxFileBytes, 'a mask');
      } catch (err) {
        throw readFailure(err, path);
      }
    },
  });

  /**
   * Pairs each `NAME_mask.<png|jpg|webp>` with an image `NAME.<ext>` of the same folder; a mask that leads outside the
   * folder is not paired (it is then refused as an image would be). Returns the mask file names, which are not images.
   */
  const findMasks = (dir: string, root: string, names: string[], captions: Captions): Set<string> => {
    const owners = new Set(names.filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).map((n) => basename(n, extname(n))));
    const maskNames = new Set<string>();
    for (const n of names) {
      const owner = maskOwnerStem(n);
      const p = join(dir, n);
      if (owner === null || !owners.has(owner) || confinedPathOrUndefined(root, p) === undefined) continue;
      captions.masks.set(join(dir, owner), p);
      maskNames.add(n);
    }
    return maskNames;
  };

  /**
   * Pairs each image file of `control/`, `control_1/` and `control_2/` with the image of the same name (any extension)
   * in `dir`, as its first, second and third reference. Only in a folder that has images of its own: a control folder
   * imported alone is a folder of images like any other. A file there without its image, or leading outside the
   * folder being imported, is refused with the reason. Returns the folder names taken as reference folders.
   */
  const findReferences = async (dir: string, root: string, names: string[], captions: Captions): Promise<Set<string>> => {
    const owners = new Map(names.filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).map((n) => [basename(n, extname(n)), join(dir, n)]));
    const folders = new Set<string>();
    if (owners.size === 0) return folders;
    for (const folder of names) {
      const slot = referenceSlotOfFolder(folder);
      const sub = join(dir, folder);
      if (slot === null || confinedPathOrUndefined(root, sub) === undefined) continue;
      let entries: string[];
      try {
        if (!(await stat(sub)).isDirectory()) continue;
        entries = (await readdir(sub)).sort();
      } catch (err) {
        refused.push({ label: sub, reason: `This reference folder was not read: ${fsReason(err, sub)}` });
        folders.add(folder);
        continue;
      }
      folders.add(folder);
      for (const e of entries) {
        const p = join(sub, e);
        if (!IMAGE_EXTENSIONS.has(extname(e).toLowerCase())) continue;
        const owner = owners.get(basename(e, extname(e)));
        if (owner === undefined) {
          refused.push({ label: p, reason: `A reference image needs an image of the same name in ${dir} (for example ${basename(e, extname(e))}.png); none is there, so it was not imported.` });
          continue;
        }
        if (confinedPathOrUndefined(root, p) === undefined) {
          refused.push({ label: p, reason: LEADS_OUTSIDE });
          continue;
        }
        const key = captionKey(owner);
        const taken = captions.references.get(key) ?? [];
        const clash = taken.find((r) => r.slot === slot);
        if (clash) {
          refused.push({ label: p, reason: `${clash.name} is already that image's reference from ${folder}/; keep one picture per name there.` });
          continue;
        }
        captions.references.set(key, [...taken, { slot, name: `${folder}/${e}`, path: p }]);
      }
    }
    return folders;
  };

  const readCaptions = (dir: string, root: string, names: string[]): Captions => {
    const captions = noCaptions();
    for (const e of names) {
      if (!CAPTION_EXTENSIONS.has(extname(e).toLowerCase())) continue;
      const p = join(dir, e);
      if (confinedPathOrUndefined(root, p) === undefined) {
        refused.push({ label: p, reason: LEADS_OUTSIDE });
        continue;
      }
      try {
        captions.text.set(captionKey(p), readFileCapped(p, IMPORT_LIMITS.maxCaptionBytes, 'a caption').toString('utf8').trim());
      } catch (err) {
        if (err instanceof FileRefusedError && err.code === 'too-large') {
          captions.notes.set(captionKey(p), captionTooLong(e, sizeOf(p) ?? IMPORT_LIMITS.maxCaptionBytes + 1));
        } else {
          // The image itself is still imported, without a caption; the caption's own line says why.
          refused.push({ label: p, reason: `This caption file was not read: ${fsReason(err, p)}` });
        }
      }
    }
    return captions;
  };

  const walk = async (dir: string, root: string, ancestors: Set<string>, repeats: number) => {
    let names: string[];
    try {
      const raw = await readdir(dir, { encoding: 'buffer' });
      names = [];
      for (const n of raw) {
        if (isUtf8(n)) names.push(n.toString('utf8'));
        else refused.push({ label: join(dir, n.toString('utf8')), reason: NOT_UTF8 });
      }
      names.sort();
    } catch (err) {
      refused.push({ label: dir, reason: fsReason(err, dir) });
      return;
    }
    const captions = readCaptions(dir, root, names);
    const maskNames = findMasks(dir, root, names, captions);
    const referenceFolders = await findReferences(dir, root, names, captions);
    for (const e of names) {
      if (seen > IMPORT_LIMITS.maxFiles) return;
      if (maskNames.has(e) || referenceFolders.has(e)) continue;
      await visit(join(dir, e), root, false, ancestors, repeats, captions);
    }
  };

  const visit = async (path: string, root: string, explicit: boolean, ancestors: Set<string>, repeats: number, captions: Captions) => {
    if (!explicit && confinedPathOrUndefined(root, path) === undefined) {
      if (!CAPTION_EXTENSIONS.has(extname(path).toLowerCase())) refused.push({ label: path, reason: LEADS_OUTSIDE });
      return;
    }
    let info;
    try {
      const l = await lstat(path);
      info = l.isSymbolicLink() ? await stat(path) : l;
    } catch (err) {
      refused.push({ label: path, reason: fsReason(err, path) });
      return;
    }
    if (info.isDirectory()) {
      let real: string;
      try {
        real = await realpath(path);
      } catch (err) {
        refused.push({ label: path, reason: fsReason(err, path) });
        return;
      }
      if (ancestors.has(real)) {
        refused.push({ label: path, reason: 'It is a symbolic link loop (a link to a folder that contains it); it was skipped.' });
        return;
      }
      await walk(path, explicit ? path : root, new Set([...ancestors, real]), kohyaRepeats(basename(path)) ?? repeats);
      return;
    }
    if (!info.isFile()) {
      refused.push({ label: path, reason: NOT_REGULAR });
      return;
    }
    await addFile(path, path, basename(path), explicit, repeats, captions);
  };

  const addZip = async (path: string, label: string) => {
    try {
      const s = await stat(path);
      if (!s.isFile()) {
        refused.push({ label, reason: NOT_REGULAR });
        return;
      }
      if (s.size > IMPORT_LIMITS.maxZipBytes) {
        refused.push({ label, reason: `The zip is ${Math.round(s.size / 2 ** 20)} MB, over the ${IMPORT_LIMITS.maxZipBytes / 2 ** 30} GB limit; unzip it and import the folder.` });
        return;
      }
      zipSources(path, s.size, label, () => ++seen <= IMPORT_LIMITS.maxFiles, sources, refused);
    } catch (err) {
      refused.push({ label, reason: fsReason(err, path) });
    }
  };

  const explicit = explicitMasks(inputs.flatMap((i) => (typeof i === 'string' && !i.includes('\0') ? [resolve(i)] : [])));
  for (const input of inputs) {
    const path = typeof input === 'string' ? input : input.path;
    if (path.includes('\0')) {
      refused.push({ label: typeof input === 'string' ? input : input.name, reason: new UnusablePathError(path).message });
      continue;
    }
    if (typeof input === 'string') {
      const resolved = resolve(input);
      if (explicit.skip.has(resolved)) continue;
      const captions = noCaptions();
      const mask = explicit.masks.get(captionKey(resolved));
      if (mask) captions.masks.set(captionKey(resolved), mask);
      await visit(resolved, resolved, true, new Set(), 1, captions);
    } else await addFile(input.path, input.name, basename(input.name), true, 1, noCaptions());
  }
  if (seen > IMPORT_LIMITS.maxFiles) {
    refused.push({ label: '(import)', reason: `More than ${IMPORT_LIMITS.maxFiles} images were found; only the first ${IMPORT_LIMITS.maxFiles} are imported. Import large collections folder by folder.` });
  }
  return { sources, refused };
}

/** A zip entry name is safe when it is relative and never climbs out of the archive ("../", "/etc", "C:\\"). */
function safeEntryName(name: string): string | undefined {
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

/**
 * Image entries of a zip, with kohya repeats and sidecar captions. Only the table of contents and the small caption
 * entries are read here; each image is inflated when the import reads it, against the archive's one shared budget.
 */
function zipSources(zipPath: string, zipBytes: number, zipLabel: string, admit: () => boolean, sources: ImageSource[], refused: RefusedSource[]): void {
  const safeNames = new Map<string, string>();
  const refusedBefore = refused.length;
  let listing;
  try {
    listing = listZip(zipPath, (name) => {
      const label = `${zipLabel}/${name}`;
      const safe = safeEntryName(name);
      if (safe === undefined) {
        refused.push({ label, reason: 'The zip entry points outside the archive ("../" or an absolute path); it was refused for safety.' });
        return false;
      }
      const ext = extname(safe).toLowerCase();
      if (!IMAGE_EXTENSIONS.has(ext) && !CAPTION_EXTENSIONS.has(ext)) {
        if (!(QUIET_EXTENSIONS.has(ext) || basename(safe).startsWith('.') || safe.startsWith('__MACOSX/'))) {
          refused.push({ label, reason: notAnImage(ext) });
        }
        return false;
      }
      safeNames.set(name, safe);
      return true;
    });
  } catch (err) {
    if (!(err instanceof ZipDamaged)) throw err;
    refused.push({ label: zipLabel, reason: `The zip could not be opened: ${err.message}. Nothing in it was imported; re-create or re-download it.` });
    return;
  }
  for (const r of listing.refused) refused.push({ label: `${zipLabel}/${r.name}`, reason: r.reason });
  const budget = zipBudget(zipBytes);
  const captions = new Map<string, string>();
  const notes = new Map<string, string>();
  const images: Array<{ safe: string; entry: ZipEntry }> = [];
  for (const entry of listing.entries) {
    const safe = safeNames.get(entry.name)!;
    const ext = extname(safe).toLowerCase();
    if (IMAGE_EXTENSIONS.has(ext)) {
      images.push({ safe, entry });
      continue;
    }
    const key = zipKey(safe);
    if (entry.size > IMPORT_LIMITS.maxCaptionBytes) {
      notes.set(key, captionTooLong(basename(safe), entry.size));
      continue;
    }
    try {
      captions.set(key, readZipEntry(zipPath, entry, budget, IMPORT_LIMITS.maxCaptionBytes).toString('utf8').trim());
    } catch (err) {
      refused.push({ label: `${zipLabel}/${entry.name}`, reason: `This caption was not read: ${readFailure(err, zipPath).message}` });
    }
  }
  const masks = zipMasks(images);
  const references = zipReferences(images, (safe, reason) => refused.push({ label: `${zipLabel}/${safe}`, reason }));
  if (images.length === 0 && refused.length === refusedBefore) {
    // Said out loud: an import that silently finds nothing looks like a bug.
    refused.push({ label: zipLabel, reason: 'The zip holds no images (JPEG, PNG, WebP, AVIF, TIFF, GIF or HEIC); nothing was imported from it.' });
    return;
  }
  const reader = (e: ZipEntry) => async () => {
    try {
      return readZipEntry(zipPath, e, budget, IMPORT_LIMITS.maxFileBytes);
    } catch (err) {
      throw readFailure(err, zipPath);
    }
  };
  let count = 0;
  for (const { safe, entry } of images.sort((a, b) => a.safe.localeCompare(b.safe))) {
    const label = `${zipLabel}/${entry.name}`;
    if (++count > IMPORT_LIMITS.maxZipEntries) {
      refused.push({ label: zipLabel, reason: `The zip holds more than ${IMPORT_LIMITS.maxZipEntries} images; the rest were skipped.` });
      break;
    }
    if (!admit()) continue;
    const key = zipKey(safe);
    const note = notes.get(key);
    const mask = masks.get(key);
    sources.push({
      label,
      name: basename(safe),
      read: reader(entry),
      repeats: kohyaRepeats(basename(dirname(safe))) ?? 1,
      caption: captions.get(key) ?? null,
      ...(note ? { note } : {}),
      ...(mask ? { mask: { name: basename(mask.safe), read: reader(mask.entry) } } : {}),
      ...(references.has(key) ? { references: references.get(key)!.map((r) => ({ slot: r.slot, name: r.name, read: reader(r.entry) })) } : {}),
    });
  }
}

/** A zip entry's path without its extension: what pairs an image with its caption, mask and references. */
function zipKey(safe: string): string {
  return safe.slice(0, -extname(safe).length);
}

/**
 * Takes each `NAME_mask.<png|jpg|webp>` entry with an image `NAME.<ext>` in the same folder of the zip out of
 * `images`: it is that image's mask (the one mask-name rule, maskOwnerStem). Returns them by their image's key.
 */
function zipMasks(images: Array<{ safe: string; entry: ZipEntry }>): Map<string, { safe: string; entry: ZipEntry }> {
  const keys = new Set(images.map((i) => zipKey(i.safe)));
  const masks = new Map<string, { safe: string; entry: ZipEntry }>();
  for (const image of images) {
    const owner = maskOwnerStem(basename(image.safe));
    const key = owner === null ? undefined : image.safe.slice(0, image.safe.length - basename(image.safe).length) + owner;
    if (key !== undefined && keys.has(key)) masks.set(key, image);
  }
  const taken = new Set([...masks.values()]);
  images.splice(0, images.length, ...images.filter((i) => !taken.has(i)));
  return masks;
}

/**
 * Takes each image entry of a `control/`, `control_1/` or `control_2/` folder whose folder above holds an image of the
 * same name out of `images`: it is that image's first, second or third reference (the folder convention of sources.ts'
 * findReferences). In a folder that has images of its own, one without its image is refused with the reason; a
 * control folder with no images beside it stays ordinary images. Returns the references by their image's key.
 */
function zipReferences(
  images: Array<{ safe: string; entry: ZipEntry }>, refuse: (safe: string, reason: string) => void,
): Map<string, { slot: number; name: string; entry: ZipEntry }[]> {
  const folderOf = (safe: string) => posix.dirname(safe);
  const keys = new Set(images.map((i) => zipKey(i.safe)));
  const foldersWithImages = new Set(images.map((i) => folderOf(i.safe)));
  const references = new Map<string, { slot: number; name: string; entry: ZipEntry }[]>();
  const taken = new Set<{ safe: string; entry: ZipEntry }>();
  for (const image of [...images].sort((a, b) => a.safe.localeCompare(b.safe))) {
    const folder = folderOf(image.safe);
    const slot = referenceSlotOfFolder(posix.basename(folder));
    const above = posix.dirname(folder);
    if (slot === null || folder === '.' || !foldersWithImages.has(above)) continue;
    taken.add(image);
    const name = `${posix.basename(folder)}/${posix.basename(image.safe)}`;
    const key = zipKey(posix.join(above, posix.basename(image.safe)));
    if (!keys.has(key)) {
      refuse(image.safe, `A reference image needs an image of the same name in the folder above (for example ${posix.basename(key)}.png); none is there, so it was not imported.`);
      continue;
    }
    const list = references.get(key) ?? [];
    const clash = list.find((r) => r.slot === slot);
    if (clash) {
      refuse(image.safe, `${clash.name} is already that image's reference from ${posix.basename(folder)}/; keep one picture per name there.`);
      continue;
    }
    references.set(key, [...list, { slot, name, entry: image.entry }]);
  }
  images.splice(0, images.length, ...images.filter((i) => !taken.has(i)));
  return references;
}

/**
 * Among paths given one by one (a file dialog's pick of a.png and a_mask.png), each `NAME_mask.*` given beside an
 * image `NAME.<ext>` of the same folder is that image's mask: by the image's key, and the mask paths to skip.
 */
function explicitMasks(paths: readonly string[]): { masks: Map<string, string>; skip: Set<string> } {
  const images = paths.filter((p) => IMAGE_EXTENSIONS.has(extname(p).toLowerCase()));
  const keys = new Set(images.map(captionKey));
  const masks = new Map<string, string>();
  for (const p of images) {
    const owner = maskOwnerStem(basename(p));
    const key = owner === null ? undefined : join(dirname(p), owner);
    if (key !== undefined && keys.has(key)) masks.set(key, p);
  }
  return { masks, skip: new Set(masks.values()) };
}
