import { type Project, type ProjectHandlers, type RecentProject } from '@lora-studio/api';
import {
  isProjectFolder,
  ProjectStore,
  type ProjectRow,
} from '@lora-studio/store';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StudioContext } from '../context';
import { requireAbsolute, requireProject } from '../project-access';

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

export function projectHandlers(ctx: StudioContext): ProjectHandlers {
  return {
    'project-create': async ({ name, dir, type, trigger, subjectKind }) => {
      const target = dir ? requireAbsolute(dir) : join(ctx.app.home, 'projects', folderNameFor(name));
      // Remembering the project is part of creating it: if the app store cannot write (same full disk), the new
      // folder is removed again rather than left behind unlisted.
      // A folder that cannot hold a project is refused by the store's own errors (the dispatcher answers them).
      const store = ProjectStore.create(target, { name, type, trigger, subjectKind }, (created) => {
        const row = created.settings();
        ctx.app.rememberProject({ dir: target, name: row.name, type: row.type, trigger: row.trigger });
      });
      ctx.adoptProject(store);
      ctx.emit('projects-changed', { dir: target });
      return toProject(target, store.settings());
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
      const store = requireProject(ctx, dir);
      const row = store.settings();
      ctx.app.rememberProject({ dir: store.dir, name: row.name, type: row.type, trigger: row.trigger });
      return toProject(store.dir, row);
    },

    'project-rename': async ({ dir, name }) => {
      const store = requireProject(ctx, dir);
      const row = store.updateSettings({ name });
      ctx.app.updateRecent({ dir: store.dir, name: row.name, type: row.type, trigger: row.trigger });
      ctx.emit('projects-changed', { dir: store.dir });
      return toProject(store.dir, row);
    },

    'project-update': async ({ dir, type, trigger, subjectKind }) => {
      const store = requireProject(ctx, dir);
      const row = store.updateSettings({ ...(type ? { type } : {}), ...(trigger ? { trigger } : {}), ...(subjectKind ? { subjectKind } : {}) });
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
