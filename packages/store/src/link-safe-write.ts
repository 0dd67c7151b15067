import { InvalidInputError } from '@lora-studio/api';
import { constants, copyFileSync, lstatSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Writes into folders the user chose (exports), where a file of the same name may already be a symlink planted to
 * redirect the write elsewhere. A regular file is replaced; a link, folder or device under that name is refused; and
 * the new file is created exclusively, which never follows a link (so one slipped in meanwhile fails the write).
 */
export class LinkInTheWayError extends InvalidInputError {
  override name = 'LinkInTheWayError';
  constructor(readonly path: string) {
    super(`${path} already exists and is not a plain file (a link or a folder); LoRA Studio does not write through it. Remove it, or choose an empty folder.`);
  }
}

function clearTarget(path: string): void {
  let kind;
  try {
    kind = lstatSync(path);
  } catch {
    return;
  }
  if (!kind.isFile()) throw new LinkInTheWayError(path);
  unlinkSync(path);
}

export function replaceFile(path: string, data: string | Uint8Array): void {
  clearTarget(path);
  writeFileSync(path, data, { flag: 'wx' });
}

export function replaceFileByCopy(from: string, to: string): void {
  clearTarget(to);
  copyFileSync(from, to, constants.COPYFILE_EXCL);
}
