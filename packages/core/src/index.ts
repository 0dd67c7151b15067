import type { Handlers } from '@lora-studio/api';
import { StudioContext, type Emit } from './context';
import { appHandlers } from './handlers/app';
import { projectHandlers } from './handlers/projects';
import { imagesHandlers } from './handlers/images';
import { captionsHandlers } from './handlers/captions';
import { Dispatcher } from './dispatch';
import { detectComputeDevice } from './compute-device';

export { StudioContext, type Emit } from './context';
export { Dispatcher } from './dispatch';
export { detectComputeDevice } from './compute-device';
export { folderNameFor } from './handlers/projects';
export { STUDIO_VERSION } from './version';

/** Every handler of the contract, bound to one context. Each domain registers its handlers in one line. */
export function createHandlers(ctx: StudioContext): Handlers {
  return {
    ...appHandlers(ctx),
    ...projectHandlers(ctx),
    ...imagesHandlers(ctx),
    ...captionsHandlers(ctx),
  };
}

/** The services as the host and Electron main both run them. */
export function createStudio(opts: { home: string; mode: 'desktop' | 'browser'; emit?: Emit }) {
  const ctx = new StudioContext({ ...opts, detectDevice: async () => detectComputeDevice() });
  const dispatcher = new Dispatcher(createHandlers(ctx));
  return { ctx, dispatcher, close: () => ctx.close() };
}
