import { ApiFailure, type ImagesHandlers } from '@lora-studio/api';
import { analyzerSwitches, DatasetCatalog, importFiles, ProjectMasks, startBackgroundAnalysis } from '@lora-studio/media';
import type { ProjectStore } from '@lora-studio/store';
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { StudioContext } from '../context';
import { requireProject } from '../project-access';

export function imagesHandlers(ctx: StudioContext): ImagesHandlers {
  /** Running imports per project folder, so "cancel" reaches them from any window. */
  const imports = new Map<string, Map<string, AbortController>>();
  /**
   * Text/face analysis runs in background threads after each import and when a project's images are first read
   * (its Dataset view opens); it resumes whatever a previous session left pending. Switched by the app setting
   * "image-analyzers" (unset: both on; "none", "text", "faces", "text,faces").
   */
  const analyse = (store: ProjectStore) =>
    startBackgroundAnalysis(store, {
      analyzers: analyzerSwitches(ctx.app.setting('image-analyzers')),
      onChanged: (ids) => ctx.emit('images-changed', { dir: store.dir, ids }),
    });

  return {
    'images-import': async ({ dir, paths, importId }) => {
      const store = requireProject(ctx, dir);
      const relative = paths.filter((p) => !isAbsolute(p));
      if (relative.length > 0) throw new ApiFailure('invalid-request', `Give full paths to import (got "${relative[0]}").`);
      const id = importId ?? randomUUID();
      const abort = new AbortController();
      const running = imports.get(store.dir) ?? new Map<string, AbortController>();
      imports.set(store.dir, running.set(id, abort));
      try {
        const summary = await importFiles(
          store,
          paths.map((p) => resolve(p)),
          { importId: id },
          (p) => ctx.emit('import-progress', { dir: store.dir, importId: id, ...p, finished: false, cancelled: false }),
          abort.signal,
        );
        ctx.emit('import-progress', {
          dir: store.dir,
          importId: id,
          done: summary.files.length,
          total: summary.files.length,
          imported: summary.imported,
          duplicates: summary.duplicates,
          rejected: summary.rejected,
          current: null,
          finished: true,
          cancelled: summary.cancelled,
        });
        if (summary.imported > 0) ctx.emit('images-changed', { dir: store.dir, ids: null });
        analyse(store);
        return summary;
      } finally {
        running.delete(id);
      }
    },

    'images-cancel-import': async ({ dir, importId }) => {
      const running = imports.get(resolve(dir));
      let cancelled = 0;
      for (const [id, abort] of running ?? []) {
        if (importId && id !== importId) continue;
        abort.abort();
        cancelled++;
      }
      return { cancelled };
    },

    'images-list': async ({ dir, ...query }) => {
      const store = requireProject(ctx, dir);
      analyse(store);
      return new DatasetCatalog(store).list(query);
    },

    'images-get': async ({ dir, id }) => {
      const image = new DatasetCatalog(requireProject(ctx, dir)).get(id);
      if (!image) throw new ApiFailure('not-found', `No image with id ${id} in this project; it may have been removed. Reload the dataset.`);
      return image;
    },

    'images-update': async ({ dir, ids, excluded, crop }) => {
      const store = requireProject(ctx, dir);
      // Unknown ids and bad crops throw the catalog's own errors (not found, invalid input); the dispatcher answers them.
      const changed = new DatasetCatalog(store).update(ids, { ...(excluded !== undefined ? { excluded } : {}), ...(crop !== undefined ? { crop } : {}) });
      ctx.emit('images-changed', { dir: store.dir, ids });
      return changed;
    },

    'images-set-mask': async ({ dir, id, png }) => {
      const store = requireProject(ctx, dir);
      await new ProjectMasks(store).set(id, png === null ? null : Buffer.from(png, 'base64'));
      ctx.emit('images-changed', { dir: store.dir, ids: [id] });
      const image = new DatasetCatalog(store).get(id);
      if (!image) throw new ApiFailure('not-found', `No image with id ${id} in this project; it may have been removed. Reload the dataset.`);
      return image;
    },

    'dataset-health': async ({ dir }) => {
      const store = requireProject(ctx, dir);
      analyse(store);
      return new DatasetCatalog(store).health();
    },
  };
}
