// Which code may import what (ARCHITECTURE.md): shared code has no Node and no DOM; the renderer never reaches Node.
// Type-level separation comes from the per-runtime tsconfigs; this check catches imports the types would not.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

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

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

export function checkBoundaries(root = process.cwd()) {
  const violations = [];
  for (const layer of LAYERS) {
    for (const r of layer.roots) {
      for (const file of sourceFiles(join(root, r))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(IMPORT)) {
          const spec = m[1] ?? m[2] ?? m[3];
          if (!spec || spec.startsWith('.')) continue;
          if (NODE_BUILTINS.has(spec) || !layer.allowed.some((re) => re.test(spec))) {
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
