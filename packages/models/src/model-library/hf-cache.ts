// Files someone already downloaded with Hugging Face tools sit in a hub cache (models--org--name/blobs/<etag>,
// snapshots/<commit>/<path> linking to them). The studio uses them where they are instead of fetching them again.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The hub cache folders Hugging Face tools write to, as their own environment variables choose them. */
export function huggingFaceCacheDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs = [
    env.HF_HUB_CACHE,
    env.HUGGINGFACE_HUB_CACHE,
    env.HF_HOME ? join(env.HF_HOME, 'hub') : undefined,
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface', 'hub'),
  ].filter((d): d is string => typeof d === 'string' && d !== '');
  return [...new Set(dirs)].filter((d) => existsSync(d));
}

export function repoCacheFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split('/').join('--')}`);
}

/** A complete copy of `path` with the given etag and size in any cache, or undefined. */
export function findCachedFile(cacheDirs: string[], repo: string, commit: string, file: { path: string; etag: string; size: number }): string | undefined {
  for (const cache of cacheDirs) {
    const folder = repoCacheFolder(cache, repo);
    for (const candidate of [join(folder, 'snapshots', commit, file.path), join(folder, 'blobs', file.etag)]) {
      try {
        const s = statSync(candidate);
        if (s.isFile() && s.size === file.size) return candidate;
      } catch {
        // not in this cache
      }
    }
  }
  return undefined;
}

/** The snapshot folder of `commit` in a cache when every listed file is in it, complete. */
export function completeCachedSnapshot(cacheDirs: string[], repo: string, commit: string, files: { path: string; size: number }[]): string | undefined {
  for (const cache of cacheDirs) {
    const snapshot = join(repoCacheFolder(cache, repo), 'snapshots', commit);
    const complete = files.every((f) => {
      try {
        const s = statSync(join(snapshot, f.path));
        return s.isFile() && s.size === f.size;
      } catch {
        return false;
      }
    });
    if (complete && existsSync(snapshot)) return snapshot;
  }
  return undefined;
}
