import type { AppHandlers } from '@lora-studio/api';
import type { StudioContext } from '../context';
import { STUDIO_VERSION } from '../version';

export function appHandlers(ctx: StudioContext): AppHandlers {
  return {
    'app-info': async () => ({
      version: STUDIO_VERSION,
      mode: ctx.mode,
      home: ctx.app.home,
      computeDevice: await ctx.computeDevice(),
    }),
  };
}
