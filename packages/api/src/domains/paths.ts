import { z } from 'zod';

/**
 * Every file or folder path a request carries: not empty, not longer than any file system allows, and without a
 * NUL character (no file system can hold one, and Node would fail on it with an error the user cannot act on).
 */
export function pathSchema(emptyMessage = 'Give a path.') {
  return z
    .string()
    .min(1, emptyMessage)
    .max(4096, 'Paths are at most 4,096 characters long.')
    .refine((p) => !p.includes('\0'), 'The path contains a NUL character, which no file name can hold; check it and try again.');
}
