import type { z } from 'zod';
import { appArgs, type AppHandlers } from './domains/app';
import { projectArgs, type ProjectHandlers } from './domains/projects';
import { imagesArgs, type ImagesHandlers } from './domains/images';
import { captionsArgs, type CaptionsHandlers } from './domains/captions';
import { runArgs, type RunsHandlers } from './domains/runs';
import { compareArgs, type CompareHandlers } from './domains/compare';
import { modelArgs, type ModelsHandlers } from './domains/models';
import { referencesArgs, type ReferencesHandlers } from './domains/references';
import { computeArgs, type ComputeHandlers } from './domains/compute';

/** The whole API: every domain's handlers, '<domain>-<verb>' → (args) => Promise<result>. */
export type Handlers = AppHandlers & ProjectHandlers & ImagesHandlers & ReferencesHandlers & CaptionsHandlers & RunsHandlers & CompareHandlers & ModelsHandlers & ComputeHandlers;
export type HandlerName = keyof Handlers;
export type HandlerArgs<K extends HandlerName> = Parameters<Handlers[K]>[0];
export type HandlerResult<K extends HandlerName> = Awaited<ReturnType<Handlers[K]>>;

/** The schema every request's arguments are validated against, at the boundary, before any handler runs. */
export const argSchemas: { [K in HandlerName]: z.ZodType<HandlerArgs<K>> } = {
  ...appArgs,
  ...projectArgs,
  ...imagesArgs,
  ...referencesArgs,
  ...captionsArgs,
  ...runArgs,
  ...compareArgs,
  ...modelArgs,
  ...computeArgs,
};

export function isHandlerName(name: string): name is HandlerName {
  return Object.prototype.hasOwnProperty.call(argSchemas, name);
}
