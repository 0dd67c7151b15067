import type { HandlerArgs, LoraType, Project, RecentProject } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import type { StudioState } from './index';

/** The recent-projects list and the project that is open in the frame. */
export interface ProjectsSlice {
  projects: RecentProject[];
  projectsLoaded: boolean;
  projectsError: string | null;
  /** The folder the URL asks for, as written there (the services may normalise it in `project.dir`). */
  openDir: string | null;
  /** The open project; null while loading or when none is open. */
  project: Project | null;
  /** Why the project in the URL could not be opened (folder gone, not a project). */
  projectError: string | null;

  loadProjects(): Promise<void>;
  /** Rejects with the API error so the form can show it beside its fields. */
  createProject(args: HandlerArgs<'project-create'>): Promise<Project>;
  openProject(dir: string): Promise<void>;
  closeProject(): void;
  /** Takes name, type and trigger of the open project from the freshly loaded list (changed elsewhere). */
  refreshOpenProject(): void;
  renameProject(dir: string, name: string): Promise<void>;
  updateProject(dir: string, change: { type?: LoraType; trigger?: string }): Promise<void>;
  deleteProject(dir: string, deleteFiles: boolean): Promise<{ deleted: boolean }>;
}

/** Newest first: the project you worked on last is the one you most likely want. */
function newestFirst(list: RecentProject[]): RecentProject[] {
  return [...list].sort((a, b) => b.openedAt.localeCompare(a.openedAt));
}

export const createProjectsSlice: StateCreator<StudioState, [], [], ProjectsSlice> = (set, get) => {
  const applyToOpen = (updated: Project) => {
    if (get().project?.dir === updated.dir) set({ project: updated });
  };
  return {
    projects: [],
    projectsLoaded: false,
    projectsError: null,
    openDir: null,
    project: null,
    projectError: null,

    loadProjects: async () => {
      try {
        const list = await client.send('project-list', {});
        set({ projects: newestFirst(list), projectsLoaded: true, projectsError: null });
      } catch (err) {
        set({ projectsError: errorMessage(err), projectsLoaded: true });
      }
    },

    createProject: async (args) => {
      const project = await client.send('project-create', args);
      await get().loadProjects();
      return project;
    },

    openProject: async (dir) => {
      if (get().openDir !== dir) set({ openDir: dir, project: null, projectError: null });
      try {
        const project = await client.send('project-open', { dir });
        // A slow answer for a project the user has already left must not replace the one now shown.
        if (get().openDir === dir) set({ project, projectError: null });
      } catch (err) {
        if (get().openDir === dir) set({ project: null, projectError: errorMessage(err) });
      }
    },

    closeProject: () => set({ openDir: null, project: null, projectError: null }),

    refreshOpenProject: () => {
      const open = get().project;
      const listed = open && get().projects.find((p) => p.dir === open.dir);
      if (!open || !listed) return;
      set({ project: { ...open, name: listed.name, type: listed.type ?? open.type, trigger: listed.trigger ?? open.trigger } });
    },

    renameProject: async (dir, name) => {
      applyToOpen(await client.send('project-rename', { dir, name }));
      await get().loadProjects();
    },

    updateProject: async (dir, change) => {
      applyToOpen(await client.send('project-update', { dir, ...change }));
      await get().loadProjects();
    },

    deleteProject: async (dir, deleteFiles) => {
      const result = await client.send('project-delete', { dir, deleteFiles });
      if (get().project?.dir === dir) set({ openDir: null, project: null });
      await get().loadProjects();
      return result;
    },
  };
};
