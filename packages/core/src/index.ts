import type { Handlers } from '@lora-studio/api';
import { StudioContext, type Emit } from './context';
import { appHandlers } from './handlers/app';
import { projectHandlers } from './handlers/projects';
import { imagesHandlers } from './handlers/images';
import { referencesHandlers } from './handlers/references';
import { captionsHandlers } from './handlers/captions';
import { runsHandlers } from './handlers/runs';
import { compareHandlers } from './handlers/compare';
import { modelsHandlers } from './handlers/models';
import { RunManager, type RunManagerOptions } from './runs/run-manager';
import { ComputeRouter } from './runs/compute-router';
import { computeHandlers } from './handlers/compute';
import { Dispatcher } from './dispatch';
import { detectComputeDevice } from './compute-device';

export { StudioContext, type Emit } from './context';
export { Dispatcher } from './dispatch';
export { detectComputeDevice } from './compute-device';
export { checkRunMemory } from './runs/memory-check';
export { folderNameFor } from './handlers/projects';
export { STUDIO_VERSION } from './version';
export { RunManager, type RunManagerOptions, type RunExecutor } from './runs/run-manager';
export { ComputeRouter } from './runs/compute-router';
export { RunEventWriter } from './runs/run-event-writer';
export { computeSettingsView, queueConnectionSetting, saveComputeSettings } from './runs/compute-settings';
export { RunRows } from './runs/run-rows';
export * from './compare';
export * from './queue';

/** Every handler of the contract, bound to one context. Each domain registers its handlers in one line. */
export function createHandlers(ctx: StudioContext, runs: RunManager | ComputeRouter = new RunManager(ctx)): Handlers {
  const router = runs instanceof ComputeRouter ? runs : new ComputeRouter(ctx, runs);
  return {
    ...appHandlers(ctx),
    ...projectHandlers(ctx),
    ...imagesHandlers(ctx),
    ...referencesHandlers(ctx),
    ...captionsHandlers(ctx),
    ...runsHandlers(ctx, router),
    ...compareHandlers(ctx),
    ...modelsHandlers(ctx),
    ...computeHandlers(ctx, router),
  };
}

/** The services as the host and Electron main both run them. */
export function createStudio(opts: { home: string; mode: 'desktop' | 'browser'; emit?: Emit; training?: RunManagerOptions }) {
  const ctx = new StudioContext({ ...opts, detectDevice: async () => detectComputeDevice() });
  const runs = new RunManager(ctx, opts.training);
  const router = new ComputeRouter(ctx, runs);
  const dispatcher = new Dispatcher(createHandlers(ctx, router));
  return {
    ctx,
    dispatcher,
    runs,
    /** Runs on the run queue, beside `runs` (this machine's). */
    router,
    close: () => {
      router.shutdown();
      ctx.close();
    },
  };
}
