import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, studioDir, studioDist } from './paths';

function newestSourceTime(): number {
  const sources = [join(studioDir, 'index.html'), join(studioDir, 'vite.config.ts')];
  for (const folder of ['src', 'public']) {
    if (!existsSync(join(studioDir, folder))) continue;
    for (const entry of readdirSync(join(studioDir, folder), { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) sources.push(join(entry.parentPath, entry.name));
    }
  }
  return Math.max(...sources.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
}

function isFresh(): boolean {
  const index = join(studioDist, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestSourceTime();
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `npm test` builds the renderer before Vitest starts; a direct `npx vitest run e2e` may find no build or an
 * old one, and would then test yesterday's UI. Rebuild only when a source is newer than the build. Test files run
 * in parallel processes, so one builds (holding a lock outside the tree) while the others wait for it.
 */
export function ensureStudioBuilt(): void {
  if (isFresh()) return;
  const lock = join(tmpdir(), `lora-studio-build-${createHash('sha1').update(repoRoot).digest('hex').slice(0, 12)}.lock`);
  try {
    mkdirSync(lock);
  } catch {
    for (let waited = 0; existsSync(lock); waited += 200) {
      if (waited > 120_000) throw new Error(`Another test process has held ${lock} for 2 minutes; if none is running, delete it.`);
      sleep(200);
    }
    if (isFresh()) return;
    return ensureStudioBuilt();
  }
  try {
    const vite = join(repoRoot, 'node_modules', '.bin', 'vite');
    const result = spawnSync(vite, ['build', 'apps/studio', '--logLevel', 'warn'], { cwd: repoRoot, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`Building the studio renderer failed:\n${result.stdout}${result.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
