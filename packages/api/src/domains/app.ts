import { z } from 'zod';

export const computeDeviceSchema = z.object({
  /** The execution provider the engine would use now: 'cuda', 'webgpu', 'cpu'. */
  provider: z.string(),
  /** Human-readable label for the status bar, e.g. "CPU (2 threads)". */
  label: z.string(),
  /** Why faster providers were not chosen, one line each. */
  fallbacks: z.array(z.string()),
});
export type ComputeDevice = z.infer<typeof computeDeviceSchema>;

export interface AppInfo {
  version: string;
  /** 'desktop' inside Electron, 'browser' when served by the Node host. */
  mode: 'desktop' | 'browser';
  home: string;
  computeDevice: ComputeDevice;
}

export const appArgs = {
  'app-info': z.object({}).strict(),
};

export type AppHandlers = {
  'app-info': (args: z.infer<(typeof appArgs)['app-info']>) => Promise<AppInfo>;
};
