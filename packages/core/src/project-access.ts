import { ApiFailure } from '@lora-studio/api';
import { isProjectFolder, ProjectFolderError, type ProjectStore } from '@lora-studio/store';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { StudioContext } from './context';

export function requireAbsolute(dir: string): string {
  if (!isAbsolute(dir)) throw new ApiFailure('invalid-request', `Give the project folder as a full path (got "${dir}").`);
  return resolve(dir);
}

/** The open store of an existing project, or an error that says what to do; every project-scoped handler starts here. */
export function requireProject(ctx: StudioContext, rawDir: string): ProjectStore {
  const dir = requireAbsolute(rawDir);
  if (!isProjectFolder(dir)) {
    throw new ApiFailure(
      'not-found',
      existsSync(dir)
        ? `${dir} is not a LoRA Studio project. Choose a folder that holds project.sqlite.`
        : `The project folder ${dir} is gone. It may have been moved or deleted; remove it from the list or put it back.`,
    );
  }
  try {
    return ctx.project(dir);
  } catch (err) {
    if (err instanceof ProjectFolderError) throw new ApiFailure('conflict', err.message);
    throw err;
  }
}
