// The README's test command: builds the renderer the e2e tests load, checks types and import boundaries,
// runs every unit and e2e test in one Vitest run, and ends with the plain summary line CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { typecheck } from './typecheck.mjs';
import { checkBoundaries } from './check-boundaries.mjs';

const root = process.cwd();
const outDir = join(root, 'test-output');
mkdirSync(outDir, { recursive: true });
let passed = 0;
let failed = 0;

function step(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} ${name}${detail ? `\n${detail}` : ''}`);
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

if (existsSync(join(root, 'apps/studio/vite.config.ts'))) {
  const build = spawnSync(bin('vite'), ['build', 'apps/studio', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' });
  step('renderer builds', build.status === 0, build.status === 0 ? '' : build.stdout + build.stderr);
}

const typeFailures = typecheck(root);
step('typecheck (strict, one tsconfig per runtime)', typeFailures.length === 0, typeFailures.map((f) => `${f.config}\n${f.output}`).join('\n'));

const violations = checkBoundaries(root);
step('import boundaries', violations.length === 0, violations.join('\n'));

const report = join(outDir, 'vitest.json');
const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const vitest = spawnSync(bin('vitest'), args, { cwd: root, stdio: 'inherit' });
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  // A file that fails to load has no tests to count; count it so it cannot pass silently.
  failed += (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
} else {
  failed++;
  console.log('✗ vitest produced no report');
}
if (vitest.status !== 0 && failed === 0) failed++;

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
