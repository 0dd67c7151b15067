// Crash-safe file writes: a reader (or a resumed run) sees the old file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Temporary file, fsync, rename over the target, fsync the folder so the rename itself survives a power cut. */
export function writeFileAtomic(path: string, chunks: Uint8Array | Iterable<Uint8Array>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    // An iterable may produce its chunks one at a time, so a large file is never whole in memory.
    for (const chunk of chunks instanceof Uint8Array ? [chunks] : chunks) {
      let done = 0;
      while (done < chunk.byteLength) done += writeSync(fd, chunk, done, chunk.byteLength - done);
    }
    fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created */ }
    throw error;
  }
  renameSync(tmp, path);
  syncFolder(dirname(path));
}

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
