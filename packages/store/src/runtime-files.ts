// The one place that knows where the files a process loads at run time lie: worker entry points, the resources
// folder (the default model, sample datasets) and the store's migrations. In the repository they sit beside the
// sources and TypeScript runs through tsx; in the desktop app everything is bundled by apps/desktop/build.mjs into
// one folder of .cjs files, whose banner says so by setting globalThis.__LORA_STUDIO_BUNDLE__ before any code runs.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the desktop bundle's banner sets: the folder holding every bundled entry point and the copied migrations. */
export interface BundleLayout {
  dir: string;
}

declare global {
  var __LORA_STUDIO_BUNDLE__: BundleLayout | undefined;
}

/**
 * Every file started as a separate process or thread. The desktop build makes each one its own entry point
 * (`<name>.cjs` beside the services bundle); a worker missing from this list would be missing from the app.
 */
export const WORKER_NAMES = ['training-worker', 'analysis-worker'] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

/** The migrations folder name inside the bundle folder (the build copies packages/store/migrations there). */
export const BUNDLED_MIGRATIONS = 'migrations';

/** The repository root when running from sources: this file is packages/store/src/runtime-files.ts. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function bundleLayout(): BundleLayout | undefined {
  return globalThis.__LORA_STUDIO_BUNDLE__;
}

export interface WorkerEntry {
  /** The file to start. */
  path: string;
  /** Node flags a child process needs for it: tsx for a TypeScript source, nothing for a bundle. */
  execArgv: string[];
}

/**
 * A worker's entry point: `<name>.cjs` in the bundle folder, or `source` (the caller's own file beside it,
 * `new URL('./x.ts', import.meta.url)`) when running from the repository.
 */
export function workerEntry(name: WorkerName, source: URL): WorkerEntry {
  const bundle = bundleLayout();
  if (bundle) return { path: join(bundle.dir, `${name}.cjs`), execArgv: [] };
  const path = fileURLToPath(source);
  // tsx by its resolved file, not its name: a bare 'tsx' is looked up from the working folder, so a worker started
  // by a command run outside the repository (`lora-studio worker` from any folder) could not load.
  return { path, execArgv: path.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [] };
}

/**
 * The resources folder: LORA_STUDIO_RESOURCES when set, else `resources/` at the top of the app. The bundle lies at
 * apps/desktop/dist both in the repository and inside the packaged app, so the same three steps up find it.
 */
export function resourcesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LORA_STUDIO_RESOURCES) return env.LORA_STUDIO_RESOURCES;
  const bundle = bundleLayout();
  return bundle ? resolve(bundle.dir, '..', '..', '..', 'resources') : join(repoRoot, 'resources');
}

/** The store's SQL migrations (one folder per database kind inside). */
export function migrationsDir(): string {
  const bundle = bundleLayout();
  return bundle ? join(bundle.dir, BUNDLED_MIGRATIONS) : join(repoRoot, 'packages', 'store', 'migrations');
}
