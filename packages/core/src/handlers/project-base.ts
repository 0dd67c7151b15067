import { ApiFailure, DEFAULT_BASE_MODEL } from '@lora-studio/api';
import { resolveBaseModel } from '@lora-studio/models/model-library';
import { projectBaseModel, type ProjectStore } from '@lora-studio/store';
import type { StudioContext } from '../context';

/** The project's base model as the trainer and renderer take it: 'default' or the library model's folder. */
export function projectBase(ctx: StudioContext, store: ProjectStore): string {
  const name = projectBaseModel(store);
  const base = resolveBaseModel(ctx.app, name);
  if (base === name && name !== DEFAULT_BASE_MODEL) {
    throw new ApiFailure('not-found', `This project trains on the base model "${name}", which is no longer in the model library. Add it again on the Models screen, or pick another base model.`);
  }
  return base;
}

/** As projectBase, but the default model where the project's library model has gone (for wording, not training). */
export function projectBaseOrDefault(ctx: StudioContext, store: ProjectStore): string {
  try {
    return projectBase(ctx, store);
  } catch (err) {
    if (err instanceof ApiFailure && err.code === 'not-found') return DEFAULT_BASE_MODEL;
    throw err;
  }
}
