// A real, tiny file system for disk-full and read-only tests: a 1 MB tmpfs mounted on a temporary folder. Mounting
// needs root (or CAP_SYS_ADMIN); where it cannot be made, `reason` says why and the tests that need it are skipped.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  /** The mounted folder; undefined when no disk could be made. */
  dir: string | undefined;
  /** Why there is no disk (shown in the skipped test's name). */
  reason: string;
  /** Writes a filler file until the disk has no room left. */
  fill(): void;
  /** Deletes the filler again. */
  makeRoom(): void;
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

export function makeSmallDisk(sizeKb = 1024): SmallDisk {
  let dir: string | undefined;
  let reason = '';
  if (process.platform !== 'linux') reason = 'tmpfs mounts need Linux';
  else if (process.getuid?.() !== 0) reason = 'mounting a small tmpfs needs root';
  else {
    const mountPoint = mkdtempSync(join(tmpdir(), 'ls-small-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', mountPoint], { stdio: 'pipe' });
      dir = mountPoint;
    } catch (err) {
      reason = `mount -t tmpfs failed here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
      rmSync(mountPoint, { recursive: true, force: true });
    }
  }
  const filler = () => join(dir!, 'filler.bin');
  return {
    dir,
    reason,
    fill() {
      const fd = openSync(filler(), 'a');
      try {
        // Big chunks first, then small ones, so at most a few hundred bytes stay free.
        for (const size of [65536, 4096, 512, 64]) {
          const chunk = Buffer.alloc(size);
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (err) {
              if ((err as { code?: string }).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    makeRoom() {
      rmSync(filler(), { force: true });
    },
    remount(mode) {
      execFileSync('mount', ['-o', `remount,${mode}`, dir!], { stdio: 'pipe' });
    },
    unmount() {
      if (!dir) return;
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        // Still busy (a test failed with a file open): detach it now, the kernel frees it when the file closes.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
