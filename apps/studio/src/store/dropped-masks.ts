import { maskOwnerStem } from '@lora-studio/api';

/**
 * Files dropped or picked one by one are imported one by one, so the services never see `NAME_mask.png` beside
 * `NAME.png`: the page pairs them by the contract's one mask-name rule instead. A mask whose image is not among the
 * files stays an ordinary image, as it does in a folder.
 */
export function pairDroppedMasks<T extends { name: string }>(files: readonly T[]): { images: T[]; maskOf: Map<T, T> } {
  const stem = (name: string) => (name.lastIndexOf('.') > 0 ? name.slice(0, name.lastIndexOf('.')) : name);
  const byStem = new Map<string, T>();
  for (const f of files) if (maskOwnerStem(f.name) === null) byStem.set(stem(f.name), f);
  const maskOf = new Map<T, T>();
  for (const f of files) {
    const owner = maskOwnerStem(f.name);
    const image = owner === null ? undefined : byStem.get(owner);
    if (image && !maskOf.has(image)) maskOf.set(image, f);
  }
  const masks = new Set(maskOf.values());
  return { images: files.filter((f) => !masks.has(f)), maskOf };
}

/** A file's bytes as base64, in chunks (a spread of a large array overflows the call stack). */
export function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
