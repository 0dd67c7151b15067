// Does the studio slow training down? The same run (style sample, default model, same settings and threads) once
// headless through the CLI and once through the browser-mode host with a WebSocket client receiving every event;
// prints steps/s of each and how many metric rows the host persisted per second.
//   npm run bench:training-ui -- [STEPS]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startHost } from '../src/server';

const steps = Number(process.argv[2] ?? 60);
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const sample = join(root, 'resources/samples/style');
const overrides = { steps, checkpointEvery: Math.max(1, Math.floor(steps / 3)), sampleEvery: 0, batchSize: 4, seed: 1 };
const threads = 2;

interface Timing { stepsPerSecond: number; medianStepMs: number }

function summarise(stepTimes: number[], wallMs: number): Timing {
  const sorted = [...stepTimes].sort((a, b) => a - b);
  return { stepsPerSecond: (stepTimes.length - 1) / (wallMs / 1000), medianStepMs: sorted[Math.floor(sorted.length / 2)]! };
}

async function headless(): Promise<Timing> {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-cli-')), 'run');
  const args = [join(root, 'apps/host/bin/lora-studio.js'), 'train', sample, '--type', 'style', '--trigger', 'flt', '--out', out, '--json',
    '--steps', String(steps), '--checkpoint-every', String(overrides.checkpointEvery), '--sample-every', '0', '--batch', '4', '--seed', '1', '--threads', String(threads)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stepTimes: number[] = [];
  let first = 0;
  let last = 0;
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      const e = JSON.parse(line);
      if (e.type !== 'step') continue;
      last = performance.now();
      first ||= last;
      stepTimes.push(e.stepMs);
    }
  });
  await new Promise((r) => child.on('exit', r));
  return summarise(stepTimes, last - first);
}

async function withStudio(): Promise<Timing & { rowsPerSecond: number; eventBatches: number }> {
  const home = mkdtempSync(join(tmpdir(), 'bench-ui-'));
  const host = await startHost({ home, studioDist: join(root, 'apps/studio/dist'), port: 0 });
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
  await new Promise((r) => ws.once('open', r));
  let id = 0;
  const pending = new Map<number, (v: any) => void>();
  const stepTimes: number[] = [];
  let first = 0;
  let last = 0;
  let batches = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((r) => (finished = r));
  ws.on('message', (data) => {
    const f = JSON.parse(String(data));
    if (f.kind === 'response') pending.get(f.id)?.(f);
    else if (f.name === 'run-metrics') {
      batches++;
      last = performance.now();
      first ||= last;
      for (const p of f.payload.points) stepTimes.push(p.stepMs);
    } else if (f.name === 'run-changed' && ['finished', 'failed', 'interrupted'].includes(f.payload.run.status)) finished();
  });
  const call = (name: string, args: unknown) =>
    new Promise<any>((r) => {
      pending.set(++id, r);
      ws.send(JSON.stringify({ kind: 'request', id, name, args }));
    }).then((f) => {
      if (!f.ok) throw new Error(f.error.message);
      return f.result;
    });
  const project = await call('project-create', { name: 'Bench', type: 'style', trigger: 'flt' });
  await call('images-import', { dir: project.dir, paths: [sample] });
  // Import starts text/face analysis in the background; the studio pauses it while the run trains.
  const run = await call('run-start', { dir: project.dir, overrides });
  await done;
  const rows = (await call('run-metrics', { dir: project.dir, runId: run.id })).length;
  const wall = last - first;
  ws.close();
  await host.close();
  return { ...summarise(stepTimes, last - first), rowsPerSecond: rows / (wall / 1000), eventBatches: batches };
}

const cli = await headless();
const ui = await withStudio();
console.log(`${steps} steps, default model, batch 4, ${threads} threads`);
console.log(`headless CLI:      ${cli.stepsPerSecond.toFixed(2)} steps/s, median step ${cli.medianStepMs.toFixed(1)} ms`);
console.log(`studio + UI client: ${ui.stepsPerSecond.toFixed(2)} steps/s, median step ${ui.medianStepMs.toFixed(1)} ms, ` +
  `${ui.rowsPerSecond.toFixed(1)} metric rows persisted/s in ${ui.eventBatches} pushed batches`);
console.log(`ratio (studio / headless): ${(ui.stepsPerSecond / cli.stepsPerSecond).toFixed(2)}`);
