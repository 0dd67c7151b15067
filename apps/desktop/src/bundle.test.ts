// The desktop bundle on its own, without the Electron binary: build it into a folder laid out like the packaged app
// (apps/desktop/dist beside resources/ and node_modules/), start the BUILT services process under plain Node the way
// main's utilityProcess.fork does (structured-clone messages, { windowId, frame } in, responses and events out), and
// through it create a project, import images, let the analysis thread read it and train 5 steps on the default
// model. Every worker must come from the bundle folder: with one missing, the analysis or the run fails here.
import { execFileSync } from 'node:child_process';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetImage, RunDetail, ServerFrame } from '@lora-studio/api';
import { BUNDLED_MIGRATIONS, WORKER_NAMES } from '@lora-studio/store';

const desktop = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(desktop, '..', '..');
/** Preflight refuses an object run on fewer images (packages/media/src/thresholds.ts). */
const MIN_OBJECT_IMAGES = 10;

let root: string;
let dist: string;
let services: ServicesProcess;

/** The main-process side of the channel, as main.ts uses it: post { windowId, frame }, get { windowId, frame } back. */
class ServicesProcess {
  readonly events: { name: string; payload: unknown }[] = [];
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (frame: ServerFrame) => void>();
  private nextId = 1;
  private exited: string | undefined;

  constructor(file: string, env: NodeJS.ProcessEnv) {
    // No inherited loaders (tsx): a worker that is only there as TypeScript must not load.
    this.child = fork(file, [], { env, execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: { windowId?: number; frame: ServerFrame } | ServerFrame) => {
      if ('windowId' in msg && msg.frame.kind === 'response') this.waiting.get(msg.frame.id)?.(msg.frame);
      else if ('kind' in msg && msg.kind === 'event') this.events.push({ name: msg.name, payload: msg.payload });
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `the services process exited (${signal ?? code})`;
      for (const [, answer] of this.waiting) answer({ kind: 'response', id: 0, ok: false, error: { code: 'unavailable', message: this.exited } });
    });
  }

  call<T>(name: string, args: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (frame) => {
        this.waiting.delete(id);
        if (frame.kind !== 'response') return;
        if (frame.ok) resolve(frame.result as T);
        else reject(new Error(`${name}: ${frame.error.code}: ${frame.error.message}`));
      });
      this.child.send({ windowId: 1, frame: { kind: 'request', id, name, args } });
    });
  }

  /** Asks again until `done` holds; the services push events too, but a poll cannot miss one. */
  async until<T>(name: string, args: unknown, done: (result: T) => boolean): Promise<T> {
    for (;;) {
      const result = await this.call<T>(name, args);
      if (done(result)) return result;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  stop(): void {
    this.child.kill();
  }
}

beforeAll(() => {
  // The packaged app's layout: <app>/apps/desktop/dist, <app>/resources, <app>/node_modules.
  root = mkdtempSync(join(tmpdir(), 'lora-desktop-bundle-'));
  const app = join(root, 'app');
  dist = join(app, 'apps', 'desktop', 'dist');
  mkdirSync(join(app, 'apps', 'desktop'), { recursive: true });
  symlinkSync(join(repo, 'resources'), join(app, 'resources'), 'dir');
  symlinkSync(join(repo, 'node_modules'), join(app, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(desktop, 'build.mjs'), dist], { stdio: 'inherit' });

  const env: NodeJS.ProcessEnv = { ...process.env, LORA_STUDIO_HOME: join(root, 'home'), NODE_OPTIONS: '' };
  delete env.LORA_STUDIO_RESOURCES;
  services = new ServicesProcess(join(dist, 'services.cjs'), env);
});
afterAll(() => {
  services?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the desktop bundle', () => {
  it('holds every worker as its own file, and the migrations, beside the services', () => {
    for (const name of ['main', 'preload', 'services', ...WORKER_NAMES]) expect(existsSync(join(dist, `${name}.cjs`)), `${name}.cjs`).toBe(true);
    expect(existsSync(join(dist, BUNDLED_MIGRATIONS, 'app'))).toBe(true);
    expect(existsSync(join(dist, BUNDLED_MIGRATIONS, 'project'))).toBe(true);
  });

  it('creates a project, imports and analyses images, and trains 5 steps on the default model under plain Node', async () => {
    const project = await services.call<{ dir: string }>('project-create', { name: 'Bundle', dir: join(root, 'bundle-project'), type: 'object', trigger: 'brd' });
    // The fewest images an object run accepts, each a different picture with its caption file beside it.
    const pictures = join(root, 'pictures');
    mkdirSync(pictures);
    for (let i = 0; i < MIN_OBJECT_IMAGES; i++) {
      const square = { create: { width: 24 + 4 * i, height: 24 + 4 * i, channels: 3 as const, background: `hsl(${36 * i}, 80%, 50%)` } };
      await sharp({ create: { width: 96, height: 96, channels: 3, background: i % 2 ? '#f4f1ea' : '#1d2633' } })
        .composite([{ input: square, left: 4 + 6 * i, top: 60 - 5 * i }])
        .png()
        .toFile(join(pictures, `${i}.png`));
      writeFileSync(join(pictures, `${i}.txt`), `a photo of brd, a square on a plain background`);
    }
    const summary = await services.call<{ imported: number }>('images-import', { dir: project.dir, paths: [pictures] });
    expect(summary.imported).toBe(MIN_OBJECT_IMAGES);

    // The analysis thread (bundled analysis-worker.cjs) reads the image: 'failed' says why when it cannot start.
    const images = await services.until<DatasetImage[]>('images-list', { dir: project.dir }, (list) => list.every((i) => i.analysis !== 'pending'));
    expect(images.map((i) => i.analysis)).toEqual(Array(MIN_OBJECT_IMAGES).fill('done'));

    // The training worker (bundled training-worker.cjs) on the default model from <app>/resources.
    const overrides = { steps: 5, batchSize: 1, sampleEvery: 1000, checkpointEvery: 1000, priorImages: 0, seed: 1 };
    const run = await services.call<{ id: number }>('run-start', { dir: project.dir, overrides });
    const done = await services.until<RunDetail>('run-get', { dir: project.dir, runId: run.id }, (r) => !['queued', 'running', 'paused'].includes(r.status));
    expect(done.message).toBeNull();
    expect(done).toMatchObject({ status: 'finished', step: 5 });
    expect(services.events.some((e) => e.name === 'run-metrics')).toBe(true);
  });
});
