// Bundles main, preload, the services process and every worker it starts for Electron, and copies the store's
// migrations beside them: the app then needs no TypeScript at run time and no source file outside this folder.
// Native modules stay external: they are loaded from node_modules (unpacked from asar and rebuilt for Electron's ABI
// by electron-builder when packaging).
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const external = ['electron', 'better-sqlite3', 'onnxruntime-node', 'sharp', '@tensorflow/*', '@vladmandic/*', 'tesseract.js'];

/**
 * Every entry point, by the name packages/store/src/runtime-files.ts looks for (`<name>.cjs`). A worker listed in
 * its WORKER_NAMES must be here too; apps/desktop/src/bundle.test.ts checks that each one is built.
 */
export const ENTRY_POINTS = {
  main: join(here, 'src', 'main.ts'),
  preload: join(here, 'src', 'preload.ts'),
  services: join(here, 'src', 'services.ts'),
  'training-worker': join(repo, 'packages', 'trainer', 'src', 'worker', 'training-worker.ts'),
  'analysis-worker': join(repo, 'packages', 'media', 'src', 'analysis-worker.ts'),
};

/** Builds into `outDir` (apps/desktop/dist by default; tests build into a temporary folder). */
export async function buildDesktop(outDir = join(here, 'dist')) {
  rmSync(outDir, { recursive: true, force: true });
  await Promise.all(
    Object.entries(ENTRY_POINTS).map(([name, entry]) =>
      build({
        entryPoints: [entry],
        outfile: join(outDir, `${name}.cjs`),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external,
        logLevel: 'warning',
        // import.meta.url (createRequire of native and data packages) points at the bundle file; the global tells
        // runtime-files.ts that workers, migrations and resources are to be found from this folder.
        define: { 'import.meta.url': 'importMetaUrl' },
        banner: {
          js: 'const importMetaUrl = require("url").pathToFileURL(__filename).href; globalThis.__LORA_STUDIO_BUNDLE__ = { dir: __dirname };',
        },
      }),
    ),
  );
  cpSync(join(repo, 'packages', 'store', 'migrations'), join(outDir, 'migrations'), { recursive: true });
}

// `node apps/desktop/build.mjs [outDir]`
if (import.meta.url === `file://${process.argv[1]}`) await buildDesktop(process.argv[2] ? resolve(process.argv[2]) : undefined);
