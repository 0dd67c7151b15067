import { ApiFailure, type Project, type ProjectHandlers, type RecentProject } from '@lora-studio/api';
import { isProjectFolder, ProjectFolderError, ProjectStore, type ProjectRow } from '@lora-studio/store';
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { StudioContext } from '../context';

function toProject(dir: string, row: ProjectRow): Project {
  return { dir, ...row };
}

/** Folder names made from a project name: readable, safe on every OS. */
export function folderNameFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 60);
  return slug || 'project';
}

function storeErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProjectFolderError) throw new ApiFailure('conflict', err.message);
    throw err;
  }
}

function requireAbsolute(dir: string): string {
  if (!isAbsolute(dir)) throw new ApiFailure('invalid-request', `Give the project folder as a full path (got "${dir}").`);
  return resolve(dir);
}

function openExisting(ctx: StudioContext, rawDir: string): ProjectStore {
  const dir = requireAbsolute(rawDir);
  if (!isProjectFolder(dir)) {
    throw new ApiFailure(
      'not-found',
      existsSync(dir)
        ? `${dir} is not a LoRA Studio project. Choose a folder that holds project.sqlite.`
        : `The project folder ${dir} is gone. It may have been moved or deleted; remove it from the list or put it back.`,
    );
  }
  return storeErrors(() => ctx.project(dir));
}

export function projectHandlers(ctx: StudioContext): ProjectHandlers {
  return {
    'project-create': async ({ name, dir, type, trigger }) => {
      const target = dir ? requireAbsolute(dir) : join(ctx.app.home, 'projects', folderNameFor(name));
      const store = storeErrors(() => ProjectStore.create(target, { name, type, trigger }));
      ctx.adoptProject(store);
      const row = store.settings();
      ctx.app.rememberProject({ dir: target, name: row.name, type: row.type, trigger: row.trigger });
      ctx.emit('projects-changed', { dir: target });
      return toProject(target, row);
    },

    'project-list': async () =>
      ctx.app.recentProjects().map(
        (r): RecentProject => ({
          dir: r.dir,
          name: r.name,
          type: (r.type as RecentProject['type']) ?? null,
          trigger: r.trigger,
          openedAt: r.openedAt,
          available: isProjectFolder(r.dir),
        }),
      ),

    'project-open': async ({ dir }) => {
      const store = openExisting(ctx, dir);
      const row = store.settings();
      ctx.app.rememberProject({ dir: store.dir, name: row.name, type: row.type, trigger: row.trigger });
      return toProject(store.dir, row);
    },

    'project-rename': async ({ dir, name }) => {
      const store = openExisting(ctx, dir);
      const row = store.updateSettings({ name });
      ctx.app.updateRecent({ dir: store.dir, name: row.name, type: row.type, trigger: row.trigger });
      ctx.emit('projects-changed', { dir: store.dir });
      return toProject(store.dir, row);
    },

    'project-update': async ({ dir, type, trigger }) => {
      const store = openExisting(ctx, dir);
      const row = store.updateSettings({ ...(type ? { type } : {}), ...(trigger ? { trigger } : {}) });
      ctx.app.updateRecent({ dir: store.dir, name: row.name, type: row.type, trigger: row.trigger });
      ctx.emit('projects-changed', { dir: store.dir });
      return toProject(store.dir, row);
    },

    'project-delete': async ({ dir, deleteFiles }) => {
      const target = requireAbsolute(dir);
      ctx.closeProject(target);
      ctx.app.forgetProject(target);
      let deleted = false;
      // Only ever delete a folder that is really a project: a wrong path must never wipe unrelated files.
      if (deleteFiles && isProjectFolder(target)) {
        rmSync(target, { recursive: true, force: true });
        deleted = true;
      }
      ctx.emit('projects-changed', { dir: null });
      return { deleted };
    },
  };
}
