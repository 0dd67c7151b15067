// Bundles main, preload and the services process for Electron. Native modules stay external: they are loaded
// from node_modules (unpacked from asar and rebuilt for Electron's ABI by electron-builder when packaging).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const external = ['electron', 'better-sqlite3', 'onnxruntime-node', 'sharp', '@tensorflow/*', '@vladmandic/*', 'tesseract.js'];

export async function buildDesktop() {
  for (const entry of ['main', 'preload', 'services']) {
    await build({
      entryPoints: [join(here, 'src', `${entry}.ts`)],
      outfile: join(here, 'dist', `${entry}.cjs`),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external,
      logLevel: 'warning',
      // import.meta.url is used to find migrations and resources; point it at the bundle's location.
      define: { 'import.meta.url': 'importMetaUrl' },
      banner: { js: 'const importMetaUrl = require("url").pathToFileURL(__filename).href;' },
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildDesktop();
