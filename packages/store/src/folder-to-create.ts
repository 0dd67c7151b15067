import { InvalidInputError } from '@lora-studio/api';
import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isWithin, realPathOf } from './confined-paths';
import { diskProblemOf } from './disk-problems';

/**
 * Checked before any recursive mkdir. A recursive mkdir under /proc or /sys never finishes (the kernel answers ENOENT
 * for a folder it then claims exists, and Node retries forever on the one thread that must also answer SIGTERM), and
 * one into a read-only or foreign folder fails half-way. Finding the nearest existing folder and asking it first
 * turns each of those into one clear sentence, before anything is made.
 */
export class FolderNotCreatableError extends InvalidInputError {
  override name = 'FolderNotCreatableError';
}

/** Folders the operating system makes up: nothing a user creates belongs in them. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** statfs magic numbers of the same kinds of file systems, caught wherever they are mounted. */
const SYSTEM_FILESYSTEMS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x1cd1, // devpts
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0x62656570, // configfs
  0xcafe4a11, // bpf
  0x6165676c, // pstore
  0x65735543, // fusectl
  0x42494e4d, // binfmt_misc
]);

/**
 * Throws unless `dir` can be made (or already is a folder) by this process: not under a system folder, its nearest
 * existing ancestor a folder we may write into. Returns that ancestor. Disk trouble (read-only, permission) comes out
 * as the shared DiskProblemError, so it reads the same as when it strikes later.
 */
export function assertFolderCanBeMade(dir: string): string {
  const real = realPathOf(dir);
  const system = SYSTEM_FOLDERS.find((root) => isWithin(root, real));
  if (system) {
    throw new FolderNotCreatableError(`${dir} is inside ${system}, a folder the operating system makes up; choose a folder in your home or on a data disk.`);
  }
  let ancestor = real;
  while (!existsQuietly(ancestor)) {
    const parent = dirname(ancestor);
    if (parent === ancestor) break;
    ancestor = parent;
  }
  ancestor = resolve(ancestor);
  if (!statSync(ancestor).isDirectory()) {
    throw new FolderNotCreatableError(`${ancestor} is a file, so ${dir} cannot be made inside it; choose another folder.`);
  }
  let fsType: number | undefined;
  try {
    fsType = Number(statfsSync(ancestor).type);
  } catch {
    fsType = undefined;
  }
  if (fsType !== undefined && SYSTEM_FILESYSTEMS.has(fsType)) {
    throw new FolderNotCreatableError(`${ancestor} is a system folder the operating system makes up; choose a folder in your home or on a data disk.`);
  }
  try {
    accessSync(ancestor, constants.W_OK);
  } catch (err) {
    throw diskProblemOf(err, ancestor) ?? err;
  }
  return ancestor;
}

function existsQuietly(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
