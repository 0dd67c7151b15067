// Which code may import what (docs/architecture.md §Packages). Packages import each other only downward, in the
// order below, and only packages their own package.json lists; a relative import never leaves its package (that
// would skip both rules), and another package is reached only through an entry its `exports` offers. Shared code has
// no Node and no DOM; the renderer uses only the contract and the shared captions code. Type-level separation comes
// from the per-runtime tsconfigs; this check catches the imports the types would not.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The workspace's packages from the bottom up; a package may import only from its own tier or below. */
export const PACKAGE_ORDER = [
  ['@lora-studio/api'],
  ['@lora-studio/store', '@lora-studio/media', '@lora-studio/captions', '@lora-studio/onnx'],
  ['@lora-studio/models'],
  ['@lora-studio/trainer'],
  ['@lora-studio/core'],
  ['@lora-studio/host', '@lora-studio/desktop', '@lora-studio/studio'],
];

/** Folders (relative to the root) that hold one workspace package each. */
export const WORKSPACE_FOLDERS = ['packages', 'apps'];

/** Each layer: the folders it covers and the non-relative imports it may use. */
export const LAYERS = [
  {
    name: 'shared (no Node, no DOM)',
    roots: ['packages/api/src', 'packages/captions/src/common'],
    allowed: [/^zod(\/|$)/, /^re2js$/, /^@lora-studio\/api$/, /^@lora-studio\/captions$/],
  },
  {
    name: 'renderer (browser only)',
    roots: ['apps/studio/src'],
    allowed: [/^react(\/|$)/, /^react-dom(\/|$)/, /^zustand(\/|$)/, /^recharts(\/|$)/, /^zod(\/|$)/, /^re2js$/, /^@lora-studio\/api$/, /^@lora-studio\/captions$/, /^vite(\/|$)/],
  },
];

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
const TEST_FILE = /\.test\.(ts|tsx|mts)$/;
const SOURCE = /\.(ts|tsx|mts|cts|mjs|cjs|js)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'public']);

/** A folder's entries by name, so violations come out in the same order on every machine. */
function sortedEntries(dir) {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of sortedEntries(dir)) {
    if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.isFile() && SOURCE.test(entry.name)) found.push(path);
  }
  return found;
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]).filter(Boolean);
}

/** Every workspace package: its name, folder, declared dependencies and exported entry points. */
export function workspacePackages(root) {
  const packages = [];
  for (const top of WORKSPACE_FOLDERS) {
    if (!existsSync(join(root, top))) continue;
    for (const entry of sortedEntries(join(root, top))) {
      const dir = join(root, top, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const exportsField = manifest.exports;
      const entries = exportsField === undefined ? ['.'] : typeof exportsField === 'string' ? ['.'] : Object.keys(exportsField);
      packages.push({
        name: manifest.name,
        dir,
        declared: new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies })),
        entries: new Set(entries),
      });
    }
  }
  return packages;
}

function tierOf(name) {
  return PACKAGE_ORDER.findIndex((tier) => tier.includes(name));
}

/** `@lora-studio/trainer/testing` → ['@lora-studio/trainer', './testing']; other specifiers → undefined. */
function splitPackageSpec(spec) {
  const m = /^(@[^/]+\/[^/]+|[^@./][^/]*)(\/.*)?$/.exec(spec);
  return m ? [m[1], m[2] ? `.${m[2]}` : '.'] : undefined;
}

function isInside(dir, path) {
  return path === dir || path.startsWith(dir + sep);
}

/** Why `spec`, imported by a file of `from`, breaks the package order; undefined when it does not. */
function packageViolation(from, spec, byName) {
  const split = splitPackageSpec(spec);
  if (!split) return undefined;
  const [name, entry] = split;
  const target = byName.get(name);
  if (!target) return undefined; // a third-party package: the layers below say where those may go
  if (target === from) return undefined;
  const fromTier = tierOf(from.name);
  const targetTier = tierOf(name);
  if (fromTier < 0) return `"${from.name}" has no place in the package order (PACKAGE_ORDER in scripts/check-boundaries.mjs)`;
  if (targetTier < 0) return `"${name}" has no place in the package order (PACKAGE_ORDER in scripts/check-boundaries.mjs)`;
  if (targetTier > fromTier) return `${name} sits above ${from.name} in the package order; move what both need down, or pass it in`;
  if (!from.declared.has(name)) return `${from.name} does not list ${name} among its dependencies in package.json`;
  if (!target.entries.has(entry)) {
    return `${name} does not export "${entry}"; import one of its entries (${[...target.entries].map((e) => (e === '.' ? name : `${name}${e.slice(1)}`)).join(', ')}) or add an exports subpath`;
  }
  return undefined;
}

/** Why a relative `spec` leaves the package it is written in; undefined when it stays inside. */
function relativeViolation(file, from, spec, packages) {
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(dirname(file), spec);
  if (isInside(from.dir, target)) return undefined;
  const other = packages.find((p) => isInside(p.dir, target));
  return other
    ? `reaches into ${other.name} by a relative path; import "${other.name}" (or an exports subpath of it) instead`
    : `reaches out of ${from.name}'s folder by a relative path`;
}

/** Package dependency cycles among workspace packages (same-tier packages may depend on each other one way only). */
function dependencyCycles(packages, byName) {
  const cycles = [];
  const state = new Map();
  const visit = (pkg, path) => {
    if (state.get(pkg) === 'done') return;
    if (state.get(pkg) === 'open') {
      cycles.push([...path.slice(path.indexOf(pkg.name)), pkg.name].join(' → '));
      return;
    }
    state.set(pkg, 'open');
    for (const dep of pkg.declared) {
      const next = byName.get(dep);
      if (next && next !== pkg) visit(next, [...path, pkg.name]);
    }
    state.set(pkg, 'done');
  };
  for (const pkg of packages) visit(pkg, []);
  return cycles;
}

export function checkBoundaries(root = process.cwd()) {
  const violations = [];
  const packages = workspacePackages(root);
  const byName = new Map(packages.map((p) => [p.name, p]));

  for (const cycle of dependencyCycles(packages, byName)) violations.push(`package.json dependencies form a cycle: ${cycle}`);

  for (const pkg of packages) {
    for (const file of sourceFiles(pkg.dir)) {
      for (const spec of importsOf(file)) {
        const why = relativeViolation(file, pkg, spec, packages) ?? packageViolation(pkg, spec, byName);
        if (why) violations.push(`${relative(root, file)} imports "${spec}": ${why}`);
      }
    }
  }

  for (const layer of LAYERS) {
    for (const r of layer.roots) {
      for (const file of sourceFiles(join(root, r))) {
        // Tests beside shared code run under vitest in Node; they may import the runner, still nothing else.
        const allowed = TEST_FILE.test(file) ? [...layer.allowed, /^vitest$/] : layer.allowed;
        for (const spec of importsOf(file)) {
          if (spec.startsWith('.')) continue;
          if (NODE_BUILTINS.has(spec) || !allowed.some((re) => re.test(spec))) {
            violations.push(`${relative(root, file)} imports "${spec}", which the ${layer.name} layer may not use`);
          }
        }
      }
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const v = checkBoundaries();
  for (const line of v) console.error(line);
  console.log(v.length === 0 ? 'boundaries: ok' : `boundaries: ${v.length} violation(s)`);
  process.exit(v.length === 0 ? 0 : 1);
}
