// Typechecks every workspace against its own tsconfig (one per runtime: the renderer has no Node types,
// shared packages have neither Node nor DOM), so misplaced code does not compile.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export function tsconfigs(root = process.cwd()) {
  const found = [];
  const visit = (dir, depth) => {
    if (depth > 3) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const sub = join(dir, entry.name);
      if (existsSync(join(sub, 'tsconfig.json'))) found.push(join(sub, 'tsconfig.json'));
      visit(sub, depth + 1);
    }
  };
  for (const top of ['packages', 'apps', 'e2e', 'scripts']) if (existsSync(join(root, top))) {
    if (existsSync(join(root, top, 'tsconfig.json'))) found.push(join(root, top, 'tsconfig.json'));
    visit(join(root, top), 1);
  }
  return found;
}

export function typecheck(root = process.cwd()) {
  const failures = [];
  for (const config of tsconfigs(root)) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config, '--pretty', 'false'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) failures.push({ config, output: (r.stdout + r.stderr).trim() });
  }
  return failures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const failures = typecheck();
  for (const f of failures) console.error(`\n${f.config}\n${f.output}`);
  console.log(failures.length === 0 ? 'typecheck: all workspaces pass' : `typecheck: ${failures.length} workspace(s) fail`);
  process.exit(failures.length === 0 ? 0 : 1);
}
