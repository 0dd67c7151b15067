import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed app) root: apps/host/src/ is three levels down. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function defaultStudioDist(): string {
  return process.env.LORA_STUDIO_DIST ?? join(repoRoot, 'apps', 'studio', 'dist');
}

/** Best effort: a headless box has no browser, and that is fine — the URL is printed anyway. */
export function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.log('No default browser found; open the URL above yourself.'));
    child.unref();
  } catch {
    console.log('No default browser found; open the URL above yourself.');
  }
}
