import type { RunEvents } from './domains/runs';
import type { CompareEvents } from './domains/compare';
import type { ModelEvents } from './domains/models';

/** Everything the services push to the UI without being asked, name → payload. */
export interface ServerEvents extends RunEvents, CompareEvents, ModelEvents {
  /** The recent-projects list or a project's settings changed (another window, the CLI). */
  'projects-changed': { dir: string | null };
  /** An import's progress; `finished` once per import (also when cancelled). */
  'import-progress': {
    dir: string;
    importId: string;
    done: number;
    total: number;
    imported: number;
    duplicates: number;
    rejected: number;
    current: string | null;
    finished: boolean;
    cancelled: boolean;
  };
  /** Images changed (imported, analysed, excluded, cropped); ids null means "reload the list". */
  'images-changed': { dir: string; ids: number[] | null };
  /** Captions changed (edit, batch, undo, auto-caption, import); ids null means "reload the list". */
  'captions-changed': { dir: string; imageIds: number[] | null };
  /** One image of an auto-caption job finished; `finished` once per job (also when cancelled or stopped). */
  'captions-auto-progress': {
    dir: string;
    done: number;
    total: number;
    captioned: number;
    failed: number;
    imageId: number | null;
    error: string | null;
    finished: boolean;
    cancelled: boolean;
    stoppedBy: string | null;
  };
}
export type ServerEventName = keyof ServerEvents;
