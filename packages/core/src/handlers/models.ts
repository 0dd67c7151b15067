import { ApiFailure, DEFAULT_MODEL, type ModelsHandlers } from '@lora-studio/api';
import { addModel, DownloadCancelledError, HubDownloadError, listModels, ModelSourceError } from '@lora-studio/models/model-library';
import { projectBaseModel, setProjectBaseModel } from '@lora-studio/store';
import type { StudioContext } from '../context';
import { requireProject } from '../project-access';

export function modelsHandlers(ctx: StudioContext): ModelsHandlers {
  return {
    'model-list': async () => listModels(ctx.app),
    'model-add': async ({ source, name }) => {
      try {
        return await addModel(ctx.app, source, { name, onProgress: (p) => ctx.emit('model-download-progress', p) });
      } catch (error) {
        // What the user asked for cannot be added as given, or the hub refused: the message says what to do.
        if (error instanceof ModelSourceError || error instanceof HubDownloadError) throw new ApiFailure('invalid-request', error.message);
        if (error instanceof DownloadCancelledError) throw new ApiFailure('unavailable', error.message);
        throw error;
      }
    },
    'model-project-get': async ({ dir }) => ({ baseModel: projectBaseModel(requireProject(ctx, dir)) }),
    'model-project-set': async ({ dir, name }) => {
      const store = requireProject(ctx, dir);
      if (name !== DEFAULT_MODEL && !ctx.app.models.get(name)) {
        throw new ApiFailure('not-found', `There is no base model named "${name}". Add it on the Models screen (or with "lora-studio model add") first.`);
      }
      setProjectBaseModel(store, name);
      return { baseModel: name };
    },
  };
}
