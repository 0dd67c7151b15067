// Finds Electron's binary WITHOUT require('electron'): from Electron 42 the binary is fetched lazily at first launch,
// which fails offline; requiring it then throws. path.txt names the binary under dist/ once it is really installed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function electronBinary(root = process.cwd()) {
  const pkg = join(root, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return { ok: false, reason: 'the Electron binary is not installed (node_modules/electron/path.txt is missing)' };
  const bin = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(bin)) return { ok: false, reason: `the Electron binary named in path.txt is missing (${bin})` };
  return { ok: true, path: bin };
}
