/** Hex sha256 of some bytes: how the project names and checks its stored images, masks and references. */
import { createHash } from 'node:crypto';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
