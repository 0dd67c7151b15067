/** Which of the files a user picked or dropped are images to import, and which are left out (and named). */

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
