import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

export const desktopDir = join(repoRoot, 'apps', 'desktop');

/**
 * The desktop app can be driven only where Electron's binary was really downloaded (path.txt names it). Returns why
 * not, so the skipped test says what to install.
 */
export function electronUnavailable(): { reason: string } | { binary: string } {
  const pathTxt = join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathTxt)) {
    return { reason: 'the Electron binary is not installed (node_modules/electron/path.txt is missing); browser mode covers the UI' };
  }
  const binary = join(repoRoot, 'node_modules', 'electron', 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(binary)) return { reason: `the Electron binary named in path.txt is missing (${binary})` };
  return { binary };
}

/** Builds apps/desktop/dist from the current sources (a second): a stale bundle could lack a worker. */
export function buildDesktopBundle(): void {
  execFileSync(process.execPath, [join(desktopDir, 'build.mjs')], { stdio: 'inherit' });
}
