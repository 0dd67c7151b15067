// `npm start`: the desktop window where Electron's binary is present, browser mode otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinary } from './electron-binary.mjs';

const root = process.cwd();
const extraArgs = process.argv.slice(2);

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return newest;
}

function buildStudioIfStale() {
  const index = join(root, 'apps/studio/dist/index.html');
  const stale = !existsSync(index) || newestMtime(join(root, 'apps/studio/src')) > statSync(index).mtimeMs;
  if (!stale) return;
  console.log('Building the studio UI…');
  const r = spawnSync(join(root, 'node_modules/.bin/vite'), ['build', 'apps/studio', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(join(root, 'node_modules'))) {
  console.error('Dependencies are not installed. Run: npm ci && npm start');
  process.exit(1);
}
buildStudioIfStale();

const electron = electronBinary(root);
if (electron.ok && !extraArgs.includes('--browser')) {
  const { buildDesktop } = await import('../apps/desktop/build.mjs');
  await buildDesktop();
  const child = spawn(electron.path, [join(root, 'apps/desktop/dist/main.cjs')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!electron.ok) console.log(`Desktop window unavailable: ${electron.reason}; starting browser mode instead.`);
  const args = ['serve', '--open', ...extraArgs.filter((a) => a !== '--browser')];
  const child = spawn(process.execPath, [join(root, 'apps/host/bin/lora-studio.js'), ...args], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
