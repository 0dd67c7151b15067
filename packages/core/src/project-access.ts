import { InvalidInputError, NotFoundError } from '@lora-studio/api';
import { isProjectFolder, type ProjectStore } from '@lora-studio/store';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { StudioContext } from './context';

export function requireAbsolute(dir: string): string {
  if (!isAbsolute(dir)) throw new InvalidInputError(`Give the project folder as a full path (got "${dir}").`);
  return resolve(dir);
}

/** The open store of an existing project, or an error that says what to do; every project-scoped handler starts here. */
export function requireProject(ctx: StudioContext, rawDir: string): ProjectStore {
  const dir = requireAbsolute(rawDir);
  if (!isProjectFolder(dir)) {
    throw new NotFoundError(
      existsSync(dir)
        ? `${dir} is not a LoRA Studio project. Choose a folder that holds project.sqlite.`
        : `The project folder ${dir} is gone. It may have been moved or deleted; remove it from the list or put it back.`,
    );
  }
  return ctx.project(dir); // a folder that is not a usable project throws the store's ProjectFolderError (a conflict)
}
