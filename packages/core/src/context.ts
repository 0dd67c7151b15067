import type { ComputeDevice, ServerEventName, ServerEvents } from '@lora-studio/api';
import { AppStore, ProjectStore } from '@lora-studio/store';
import { resolve } from 'node:path';

export type Emit = <K extends ServerEventName>(name: K, payload: ServerEvents[K]) => void;

/**
 * What every handler can reach. The host process is the single writer of every project store,
 * so open projects are cached here and shared by all connected windows.
 */
export class StudioContext {
  readonly app: AppStore;
  readonly mode: 'desktop' | 'browser';
  readonly emit: Emit;
  private readonly projects = new Map<string, ProjectStore>();
  private device: ComputeDevice | undefined;
  private readonly detectDevice: () => Promise<ComputeDevice>;

  constructor(opts: { home: string; mode: 'desktop' | 'browser'; emit?: Emit; detectDevice: () => Promise<ComputeDevice> }) {
    this.app = new AppStore(opts.home);
    this.mode = opts.mode;
    this.emit = opts.emit ?? (() => {});
    this.detectDevice = opts.detectDevice;
  }

  project(dir: string): ProjectStore {
    const key = resolve(dir);
    let store = this.projects.get(key);
    if (!store) {
      store = ProjectStore.open(key);
      this.projects.set(key, store);
    }
    return store;
  }

  adoptProject(store: ProjectStore): void {
    this.projects.set(resolve(store.dir), store);
  }

  closeProject(dir: string): void {
    const key = resolve(dir);
    this.projects.get(key)?.close();
    this.projects.delete(key);
  }

  async computeDevice(): Promise<ComputeDevice> {
    this.device ??= await this.detectDevice();
    return this.device;
  }

  close(): void {
    for (const store of this.projects.values()) store.close();
    this.projects.clear();
    this.app.close();
  }
}
