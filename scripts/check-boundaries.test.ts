import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBoundaries } from './check-boundaries.mjs';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface FixturePackage {
  deps?: string[];
  exports?: Record<string, string>;
  files?: Record<string, string>;
}

/** A small workspace on disk: `packages/<x>` or `apps/<x>` folders, each with a package.json and source files. */
function workspace(packages: Record<string, FixturePackage>): string {
  const root = mkdtempSync(join(tmpdir(), 'ls-boundaries-'));
  made.push(root);
  for (const [folder, pkg] of Object.entries(packages)) {
    const name = `@lora-studio/${folder.split('/')[1]}`;
    const dependencies = Object.fromEntries((pkg.deps ?? []).map((d) => [`@lora-studio/${d}`, '0.1.0']));
    const manifest = { name, version: '0.1.0', exports: pkg.exports ?? { '.': './src/index.ts' }, dependencies };
    mkdirSync(join(root, folder, 'src'), { recursive: true });
    writeFileSync(join(root, folder, 'package.json'), JSON.stringify(manifest));
    for (const [file, text] of Object.entries(pkg.files ?? { 'src/index.ts': 'export const x = 1;\n' })) {
      mkdirSync(dirname(join(root, folder, file)), { recursive: true });
      writeFileSync(join(root, folder, file), text);
    }
  }
  return root;
}

/** api ← store ← models ← trainer ← core ← host, each importing the one below it by name. */
function cleanChain(): Record<string, FixturePackage> {
  return {
    'packages/api': { files: { 'src/index.ts': "import { z } from 'zod';\nexport const x = z;\n" } },
    'packages/store': { deps: ['api'], exports: { '.': './src/index.ts', './testing': './src/testing/disk.ts' }, files: {
      'src/index.ts': "import { x } from '@lora-studio/api';\nimport { readFileSync } from 'node:fs';\nexport const y = [x, readFileSync];\n",
      'src/testing/disk.ts': 'export const disk = 1;\n',
    } },
    'packages/models': { deps: ['store'], files: { 'src/index.ts': "export { y } from '@lora-studio/store';\nimport './inner/a';\n", 'src/inner/a.ts': "import '../index';\n" } },
    'packages/trainer': { deps: ['models', 'store'], files: { 'src/index.ts': "import { y } from '@lora-studio/models';\nimport { disk } from '@lora-studio/store/testing';\nexport { y, disk };\n" } },
    'packages/core': { deps: ['trainer'], files: { 'src/index.ts': "export const load = () => import('@lora-studio/trainer');\n" } },
    'apps/host': { deps: ['core', 'api'], files: { 'src/index.ts': "import '@lora-studio/core';\nimport '@lora-studio/api';\n" } },
  };
}

describe('checkBoundaries', () => {
  it('accepts a workspace whose packages import only declared packages below them, through their exports', () => {
    expect(checkBoundaries(workspace(cleanChain()))).toEqual([]);
  });

  it('refuses an import of a package that package.json does not list', () => {
    const tree = cleanChain();
    tree['packages/core']!.files = { 'src/index.ts': "import '@lora-studio/store';\n" };
    expect(checkBoundaries(workspace(tree))).toEqual([
      'packages/core/src/index.ts imports "@lora-studio/store": @lora-studio/core does not list @lora-studio/store among its dependencies in package.json',
    ]);
  });

  it('refuses an upward import even when package.json lists it', () => {
    const tree = cleanChain();
    tree['packages/store'] = { deps: ['api', 'models'], files: { 'src/index.ts': "import { y } from '@lora-studio/models';\nexport { y };\n" } };
    const violations = checkBoundaries(workspace(tree));
    expect(violations).toContain('packages/store/src/index.ts imports "@lora-studio/models": @lora-studio/models sits above @lora-studio/store in the package order; move what both need down, or pass it in');
  });

  it('refuses a relative import that leaves the package, naming the package it reaches into', () => {
    const tree = cleanChain();
    tree['packages/models']!.files = { 'src/index.ts': "export * from '../../store/src/index';\n" };
    tree['packages/core']!.files = { 'src/index.ts': "import { a } from '../../../scripts/a';\nexport { a };\n" };
    expect(checkBoundaries(workspace(tree))).toEqual([
      'packages/core/src/index.ts imports "../../../scripts/a": reaches out of @lora-studio/core\'s folder by a relative path',
      'packages/models/src/index.ts imports "../../store/src/index": reaches into @lora-studio/store by a relative path; import "@lora-studio/store" (or an exports subpath of it) instead',
    ]);
  });

  it('checks apps the same way: a preload reaching into the renderer folder is refused', () => {
    const tree = cleanChain();
    tree['apps/studio'] = { deps: ['api'], files: { 'src/bridge.ts': 'export type Bridge = 1;\n' } };
    tree['apps/desktop'] = { deps: ['api'], files: { 'src/preload.ts': "import type { Bridge } from '../../studio/src/bridge';\nexport type B = Bridge;\n" } };
    expect(checkBoundaries(workspace(tree))).toEqual([
      'apps/desktop/src/preload.ts imports "../../studio/src/bridge": reaches into @lora-studio/studio by a relative path; import "@lora-studio/studio" (or an exports subpath of it) instead',
    ]);
  });

  it('refuses a subpath the target package does not export', () => {
    const tree = cleanChain();
    tree['packages/models']!.files = { 'src/index.ts': "import '@lora-studio/store/src/internal';\n" };
    expect(checkBoundaries(workspace(tree))).toEqual([
      'packages/models/src/index.ts imports "@lora-studio/store/src/internal": @lora-studio/store does not export "./src/internal"; import one of its entries (@lora-studio/store, @lora-studio/store/testing) or add an exports subpath',
    ]);
  });

  it('refuses package.json dependencies that form a cycle inside one tier', () => {
    const tree = cleanChain();
    tree['packages/store']!.deps = ['api', 'media'];
    tree['packages/media'] = { deps: ['store'] };
    expect(checkBoundaries(workspace(tree))).toEqual(['package.json dependencies form a cycle: @lora-studio/store → @lora-studio/media → @lora-studio/store']);
  });

  it('keeps Node out of the shared contract (its tests may use vitest), and the renderer on the contract and shared captions code only', () => {
    const tree = cleanChain();
    tree['packages/api']!.files = {
      'src/index.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'src/index.test.ts': "import { it } from 'vitest';\nit('runs', () => {});\n",
    };
    tree['packages/captions'] = { deps: ['api'], exports: { '.': './src/common/index.ts', './node': './src/node/index.ts' }, files: {
      'src/common/index.ts': 'export const lint = 1;\n',
      'src/node/index.ts': 'export const auto = 1;\n',
    } };
    tree['apps/studio'] = { deps: ['api', 'captions', 'core'], files: {
      'src/index.tsx': "import { lint } from '@lora-studio/captions';\nimport { auto } from '@lora-studio/captions/node';\nimport '@lora-studio/core';\nexport { lint, auto };\n",
    } };
    expect(checkBoundaries(workspace(tree))).toEqual([
      'packages/api/src/index.ts imports "node:fs", which the shared (no Node, no DOM) layer may not use',
      'apps/studio/src/index.tsx imports "@lora-studio/captions/node", which the renderer (browser only) layer may not use',
      'apps/studio/src/index.tsx imports "@lora-studio/core", which the renderer (browser only) layer may not use',
    ]);
  });

  it('finds nothing to refuse in this repository', () => {
    expect(checkBoundaries(resolve(dirname(fileURLToPath(import.meta.url)), '..'))).toEqual([]);
  });
});
