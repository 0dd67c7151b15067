// Runtime files resolve beside the sources in the repository and beside the bundle in the desktop app.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsDir, resourcesDir, workerEntry } from './runtime-files';

afterEach(() => {
  globalThis.__LORA_STUDIO_BUNDLE__ = undefined;
});

describe('runtime files', () => {
  it('in the repository: the TypeScript source through tsx, the checkout\'s resources and migrations', () => {
    const source = new URL('./training-worker.ts', 'file:///repo/packages/trainer/src/worker/');
    // tsx by its resolved file, so a child started from any working folder (a queue worker's cache) still finds it.
    expect(workerEntry('training-worker', source)).toEqual({ path: '/repo/packages/trainer/src/worker/training-worker.ts', execArgv: ['--import', import.meta.resolve('tsx')] });
    expect(import.meta.resolve('tsx')).toMatch(/^file:\/\/.*\/node_modules\/tsx\//);
    expect(workerEntry('analysis-worker', new URL('file:///repo/a/analysis-worker.mjs')).execArgv).toEqual([]);
    expect(existsSync(join(resourcesDir({}), 'base-models', 'flux2-tiny-default', 'model.json'))).toBe(true);
    expect(existsSync(join(migrationsDir(), 'project'))).toBe(true);
  });

  it('in the bundle: <name>.cjs and the migrations beside it, resources at the top of the app', () => {
    globalThis.__LORA_STUDIO_BUNDLE__ = { dir: '/app/apps/desktop/dist' };
    expect(workerEntry('training-worker', new URL('file:///ignored/training-worker.ts'))).toEqual({ path: '/app/apps/desktop/dist/training-worker.cjs', execArgv: [] });
    expect(migrationsDir()).toBe('/app/apps/desktop/dist/migrations');
    expect(resourcesDir({})).toBe('/app/resources');
  });

  it('LORA_STUDIO_RESOURCES overrides the resources folder in both layouts', () => {
    expect(resourcesDir({ LORA_STUDIO_RESOURCES: '/elsewhere' })).toBe('/elsewhere');
    globalThis.__LORA_STUDIO_BUNDLE__ = { dir: '/app/apps/desktop/dist' };
    expect(resourcesDir({ LORA_STUDIO_RESOURCES: '/elsewhere' })).toBe('/elsewhere');
  });
});
