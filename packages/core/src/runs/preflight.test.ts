// The Train view's preflight reads the base model's shape from its config and file headers, never its weights, and
// still proposes the same settings and says the same memory figure and verdict as the loaded model gives: for the
// embedded default model and for tiny FLUX.2 downloads in both real layouts (diffusers klein, BFL dev files).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyFlux2BflFiles, writeTinyFlux2Diffusers } from '@lora-studio/models';
import { ProjectStore } from '@lora-studio/store';
import { mostReferences, prepareNewRun } from '@lora-studio/trainer';
import { createStudio } from '../index';
import { checkRunMemory } from './memory-check';
import { preflight } from './preflight';

const MB = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'ls-core-preflight-'));
const studio = createStudio({ home: join(root, 'home'), mode: 'browser' });
let dir = '';

beforeAll(async () => {
  const call = async (name: string, args: unknown): Promise<any> => {
    const res = await studio.dispatcher.call(1, name, args);
    if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
    return res.result;
  };
  dir = (await call('project-create', { name: 'Shapes', dir: join(root, 'project'), type: 'style', trigger: 'flt' })).dir;
  const src = join(root, 'src');
  mkdirSync(src);
  const paths: string[] = [];
  for (let i = 0; i < 3; i++) {
    paths.push(join(src, `${i}.png`));
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 70 * i, g: 120, b: 200 } } }).png().toFile(paths[i]!);
  }
  const imported = await call('images-import', { dir, paths });
  for (const f of imported.files) await call('captions-update', { dir, imageId: f.imageId, text: 'flt, a flat picture', reviewed: true });
});
afterAll(() => {
  studio.close();
  rmSync(root, { recursive: true, force: true });
});

const bases: Record<string, () => string> = {
  'the embedded default model': () => 'default',
  'a diffusers klein download': () => writeTinyFlux2Diffusers(join(root, 'klein'), 'klein').path,
  'BFL dev files': () => writeTinyFlux2BflFiles(join(root, 'dev-bfl'), 'dev').path,
};

describe('the Train view preflight', () => {
  it.each(Object.keys(bases))('gives the loaded model’s settings and memory estimate for %s', async (which) => {
    const base = bases[which]!();
    const store = ProjectStore.open(dir);
    try {
      const report = await preflight(store, {}, base);
      // Three images are too few for a style LoRA (said by the dataset check), but the model and run are fine.
      expect(report.errors.filter((e) => e.id === 'base-model' || e.id.startsWith('setup-'))).toEqual([]);

      const prepared = await prepareNewRun({ dataset: dir, base, runDir: join(root, `loaded-${which}`), type: 'style', trigger: 'flt', overrides: {} }, { threads: 1 });
      try {
        const config = prepared.description.config;
        expect(report.settings).toEqual(config);
        const memory = checkRunMemory(prepared.model, config, undefined, undefined, mostReferences(prepared.dataset));
        expect(report.estimate.memoryMb).toBe(Math.ceil(memory.totalBytes / MB));
        const said = [...report.errors, ...report.warnings].find((p) => p.id === 'memory');
        expect(said?.message).toBe(memory.problem?.message);
      } finally {
        await prepared.model.close();
      }
    } finally {
      store.close();
    }
  }, 60_000);
});
