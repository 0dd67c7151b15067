/**
 * Whether an image file that failed to decode ends before its format says it should: a JPEG without its end-of-image
 * marker, a PNG without its IEND chunk, a RIFF (WebP) shorter than its header declares. libvips' own message says
 * "premature end" for these, but its error text is shared between threads and can come back as "Unknown error" when
 * several decodes fail at once, so the bytes are checked as well.
 */
export function looksCutOff(bytes: Uint8Array, format: string | undefined): boolean {
  let end = bytes.length;
  // Copy tools pad with zeros; a padded complete file is not cut off.
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (format === 'jpeg') return end < 2 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9;
  if (format === 'png') {
    const tail = Buffer.from(bytes.subarray(Math.max(0, end - 12), end)).toString('latin1');
    return !tail.includes('IEND');
  }
  if (format === 'webp') {
    if (bytes.length < 12) return true;
    const declared = 8 + (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
    return bytes.length < declared;
  }
  return false;
}
