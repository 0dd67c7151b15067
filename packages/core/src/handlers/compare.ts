import { ConflictError, InvalidInputError, NotFoundError, type CompareGrid, type CompareGridCell, type CompareHandlers, type CompareScores, type GeneratedImage } from '@lora-studio/api';
import { loadAdapter, type Adapter } from '@lora-studio/models';
import { assertFolderCanBeMade, type ProjectStore } from '@lora-studio/store';
import { loadDataset, readRunDescription } from '@lora-studio/trainer';
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  checkpointAt, exportCheckpoint, exportDataset, exportTrainingConfig, generateImages, ImageRenderer, loadCheckpointAdapter,
  loraScaleWarning, previewExport, readRunScores, renderGrid, scoreRun, wildPrompts, writePng, type GridCell, type ProjectType,
} from '../compare';
import type { StudioContext } from '../context';
import { requireProject } from '../project-access';
import { projectBase, projectBaseOrDefault } from './project-base';
import { GeneratedRows } from '../compare/generated-rows';
import { RunRows } from '../runs/run-rows';
import { projectImageFiles } from '../compare/reference-files';

export function compareHandlers(ctx: StudioContext): CompareHandlers {
  // One loaded model at a time, and one render at a time on it: the sessions are not shared between calls.
  let renderer: { base: string; open: Promise<ImageRenderer> } | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const withRenderer = <T>(base: string, work: (r: ImageRenderer) => Promise<T>): Promise<T> => {
    const next = queue.then(async () => {
      if (renderer && renderer.base !== base) {
        await (await renderer.open.catch(() => undefined))?.close();
        renderer = undefined;
      }
      if (!renderer) {
        const open = ImageRenderer.open(base);
        open.catch(() => (renderer = undefined));
        renderer = { base, open };
      }
      return work(await renderer.open);
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const runOf = (store: ProjectStore, runId: number) => {
    const row = new RunRows(store).row(runId);
    if (!row) throw new NotFoundError(`There is no run ${runId} in this project.`);
    const runDir = join(store.dir, row.dir);
    if (!existsSync(join(runDir, 'run.json'))) throw new ConflictError(`Run ${runId} has not started yet, so it has no checkpoints to compare.`);
    return { row, runDir, base: readRunDescription(runDir).base };
  };
  const rel = (store: ProjectStore, path: string) => relative(store.dir, path).split('\\').join('/');
  const cellOut = (store: ProjectStore, c: GridCell): CompareGridCell => ({ ...c, file: rel(store, c.file) });
  const favourite = (store: ProjectStore, runId: number) => new RunRows(store).detail(runId)?.checkpoints.find((c) => c.favourite)?.step ?? null;
  const cacheDir = (store: ProjectStore) => join(store.dir, 'cache', 'grid');

  return {
    'compare-wild-prompts': async ({ dir }) => {
      const store = requireProject(ctx, dir);
      const s = store.settings();
      // The project's newest run says which base model the prompts are for; without runs, the model the project's
      // next run will train on (the default when its library model has gone).
      const base = new RunRows(store).list()[0]?.baseModel ?? projectBaseOrDefault(ctx, store);
      return { prompts: wildPrompts(s.type as ProjectType, s.trigger, base) };
    },

    'compare-grid': async ({ dir, runId, checkpoints, references, ...req }) => {
      const store = requireProject(ctx, dir);
      const run = runOf(store, runId);
      const referenceFiles = projectImageFiles(store, references);
      const grid = await withRenderer(run.base, (r) => renderGrid(r, {
        ...req, references: referenceFiles, runDir: run.runDir, checkpoints: checkpoints ?? 'all', seed: req.seed ?? 0, cacheDir: cacheDir(store),
        onCell: (cell, done, total) => ctx.emit('compare-progress', { dir, runId, purpose: 'grid', done, total, cell: cellOut(store, cell), finished: done === total }),
      }));
      const { runDir: _, cells, ...rest } = grid;
      return { ...rest, runId, cells: cells.map((c) => cellOut(store, c)) } satisfies CompareGrid;
    },

    'compare-score': async ({ dir, runId, prompts, seed, scale }) => {
      const store = requireProject(ctx, dir);
      const run = runOf(store, runId);
      const scores = await withRenderer(run.base, (r) => scoreRun(r, {
        runDir: run.runDir, prompts, seed, scale, cacheDir: cacheDir(store),
        onCell: (cell, done, total) => ctx.emit('compare-progress', { dir, runId, purpose: 'score', done, total, cell: cellOut(store, cell), finished: done === total }),
      }));
      new RunRows(store).setScores(runId, scores.checkpoints);
      return { ...scores, runId } satisfies CompareScores;
    },

    'compare-scores': async ({ dir, runId }) => {
      const store = requireProject(ctx, dir);
      const scores = readRunScores(runOf(store, runId).runDir);
      return scores ? { ...scores, runId } : null;
    },

    'generate-images': async ({ dir, lora, scale, seed, references, ...req }) => {
      const store = requireProject(ctx, dir);
      const referenceFiles = projectImageFiles(store, references);
      // Without a run's checkpoint the picture comes from the project's own base model.
      let base = projectBase(ctx, store);
      let adapter: (r: ImageRenderer) => Adapter | null = () => null;
      if (lora && 'runId' in lora) {
        const run = runOf(store, lora.runId);
        const file = checkpointAt(run.runDir, lora.step).path;
        base = run.base;
        adapter = (r) => loadCheckpointAdapter(file, r);
      } else if (lora) {
        if (!isAbsolute(lora.file)) throw new InvalidInputError(`Give the LoRA file as a full path (got "${lora.file}").`);
        const loaded = loadAdapter(lora.file).adapter;
        adapter = () => loaded;
      }
      const firstSeed = seed ?? Math.floor(Math.random() * 2 ** 31);
      const outDir = join(store.dir, 'generated');
      mkdirSync(outDir, { recursive: true });
      const images = await withRenderer(base, async (r) => {
        const made = await generateImages(r, {
          ...req, seed: firstSeed, lora: adapter(r), scale: scale ?? 1, references: referenceFiles,
          onImage: (done, total) => ctx.emit('generate-progress', { dir, done, total }),
        });
        const settings = {
          negativePrompt: req.negativePrompt ?? '', guidance: req.guidance ?? r.defaultGuidance, steps: req.steps ?? r.defaultSteps,
          width: req.width ?? r.defaultSize.width, height: req.height ?? r.defaultSize.height, lora: lora ?? null,
        };
        const generated = new GeneratedRows(store);
        const out: GeneratedImage[] = [];
        for (const m of made) {
          const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-seed${m.seed}.png`;
          await writePng(join(outDir, name), m.image);
          const createdAt = new Date().toISOString();
          const checkpoint = lora && 'runId' in lora ? { runId: lora.runId, step: lora.step } : null;
          const id = generated.add({ lora: checkpoint, prompt: req.prompt, seed: m.seed, scale: lora ? scale ?? 1 : 0, file: `generated/${name}`, createdAt, settings });
          out.push({ id, file: `generated/${name}`, prompt: req.prompt, seed: m.seed, scale: lora ? scale ?? 1 : 0, createdAt, ...settings });
        }
        return out;
      });
      return { images, warning: lora ? loraScaleWarning(scale ?? 1) : null };
    },

    'generate-history': async ({ dir, limit }) => {
      const store = requireProject(ctx, dir);
      return new GeneratedRows(store).recent(limit ?? 200);
    },

    'export-preview': async ({ dir, runId, step, format, precision, weights }) => {
      const store = requireProject(ctx, dir);
      const run = runOf(store, runId);
      return previewExport({ runDir: run.runDir, step, format, precision, weights, favourite: favourite(store, runId) });
    },

    'export-lora': async ({ dir, runId, step, format, precision, weights, outDir }) => {
      const store = requireProject(ctx, dir);
      const run = runOf(store, runId);
      if (outDir !== undefined && !isAbsolute(outDir)) throw new InvalidInputError(`Give the export folder as a full path (got "${outDir}").`);
      return exportCheckpoint({ runDir: run.runDir, step, format, precision, weights, favourite: favourite(store, runId), outDir: outDir ?? join(store.dir, 'exports') });
    },

    'export-config': async ({ dir, runId, format, outDir }) => {
      const store = requireProject(ctx, dir);
      const run = runOf(store, runId);
      const folder = resolve(outDir ?? join(store.dir, 'exports'));
      assertFolderCanBeMade(folder);
      mkdirSync(folder, { recursive: true });
      return { path: await exportTrainingConfig(run.runDir, format, join(folder, `run-${runId}-config.${format}`)) };
    },

    'export-dataset': async ({ dir, outDir }) => {
      const store = requireProject(ctx, dir);
      if (!isAbsolute(outDir)) throw new InvalidInputError(`Give the dataset folder as a full path (got "${outDir}").`);
      return exportDataset(loadDataset(store.dir, { folderCacheDir: join(store.dir, 'cache') }), outDir);
    },
  };
}
