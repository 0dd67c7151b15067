// How long the Train view's preflight takes: the 'run-preflight' call the view makes whenever it opens or a setting
// changes, on a project with the bundled style samples, timed through the studio's dispatcher as the renderer calls it.
// Usage: npm run bench:preflight -- [--model FOLDER] [--runs N]
//   --model: a FLUX.2 download (a diffusers folder, or BFL files with lora-studio-model.json) added to a throwaway
//            model library and made the project's base model; without it, the embedded default model.
//   --runs:  timed calls after one untimed one (default 5).
// The first call is printed apart: it includes the dataset's first scan. Compare figures on a quiet machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStudio } from '../src/index';

const { values } = parseArgs({ options: { model: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number.');
const samples = resolve(fileURLToPath(import.meta.url), '../../../../resources/samples/style');
const home = mkdtempSync(join(tmpdir(), 'ls-bench-preflight-'));
const studio = createStudio({ home, mode: 'browser' });

async function call<T = any>(name: string, args: unknown): Promise<T> {
  const res = await studio.dispatcher.call(1, name, args);
  if (!res.ok) throw new Error(`${name}: ${res.error.code}: ${res.error.message}`);
  return res.result as T;
}

try {
  const { dir } = await call<{ dir: string }>('project-create', { name: 'Bench', dir: join(home, 'project'), type: 'style', trigger: 'flt' });
  const imported = await call<{ imported: number }>('images-import', { dir, paths: [samples] });
  if (values.model) {
    const added = await call<{ name: string }>('model-add', { source: { kind: 'folder', path: resolve(values.model) } });
    await call('model-project-set', { dir, name: added.name });
  }
  const timed = async () => {
    const t = performance.now();
    const report = await call<{ errors: { message: string }[]; estimate: { memoryMb: number } }>('run-preflight', { dir });
    return { ms: performance.now() - t, report };
  };
  const first = await timed();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed()).ms);
  times.sort((a, b) => a - b);
  console.log(`base model: ${values.model ?? 'the embedded default model'}; ${imported.imported} images; estimate ${first.report.estimate.memoryMb} MB; errors: ${first.report.errors.map((e) => e.message).join(' ') || 'none'}`);
  console.log(`Train view preflight: first ${first.ms.toFixed(0)} ms; then median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms over ${runs}`);
} finally {
  studio.close();
  rmSync(home, { recursive: true, force: true });
}
