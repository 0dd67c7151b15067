/**
 * Turning a drop (files and folders) or a file input into the files to import. Browser mode uploads files one by
 * one, so folders are walked here; the desktop app hands whole folders to the services (they recurse, read
 * kohya-style `10_name/` folders and caption sidecars), so there a dropped folder stays one path.
 */

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'png', 'webp', 'avif', 'tif', 'tiff', 'gif', 'heic', 'heif', 'zip']);

/** Images (and .zip archives of them) the services can import; everything else is left out and named. */
export function isImportable(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

/** Hidden files (`.DS_Store`, `._IMG_1.jpg` from macOS) are never photos the user meant to add. */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

export interface PickedFiles {
  files: File[];
  skipped: string[];
}

export function sortPicked(list: Iterable<File>): PickedFiles {
  const out: PickedFiles = { files: [], skipped: [] };
  for (const file of list) {
    if (isHidden(file.name)) continue;
    if (isImportable(file.name)) out.files.push(file);
    else out.skipped.push(file.name);
  }
  return out;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, into: File[]): Promise<void> {
  if (entry.isFile) {
    into.push(await entryFile(entry as FileSystemFileEntry));
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it returns an empty one.
  for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
    for (const child of batch) await walk(child, into);
  }
}

/** Every file of a browser drop, folders walked recursively. Entries must be taken before the first await. */
export async function filesOfDrop(data: DataTransfer): Promise<File[]> {
  const entries = [...data.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
  if (entries.every((e) => e === null)) return [...data.files];
  const files: File[] = [];
  for (const entry of entries) if (entry) await walk(entry, files);
  return files;
}
