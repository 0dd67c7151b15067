/**
 * The mask convention the other trainers share, and the studio with them: `NAME_mask.png` (or .jpg/.jpeg/.webp)
 * beside `NAME.<ext>` is that image's training mask, not an image. One rule for import and for folder datasets.
 */
export const MASK_FILE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];
const MASK_SUFFIX = '_mask';

/** The stem of the image whose mask `fileName` (a bare file name) would be (`a_mask.png` → `a`), or null. */
export function maskOwnerStem(fileName: string): string | null {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return null;
  const stem = fileName.slice(0, dot);
  if (!MASK_FILE_EXTENSIONS.includes(fileName.slice(dot).toLowerCase()) || !stem.endsWith(MASK_SUFFIX)) return null;
  const owner = stem.slice(0, -MASK_SUFFIX.length);
  return owner === '' ? null : owner;
}
