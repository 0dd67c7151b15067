export { applyMigrations, readMigrations, type Migration } from './migrations';
export { openDatabase, type DatabaseKind } from './open';
export { workerEntry, resourcesDir, migrationsDir, bundleLayout, WORKER_NAMES, BUNDLED_MIGRATIONS, type WorkerName, type WorkerEntry, type BundleLayout } from './runtime-files';
export { AppStore, studioHome, type RecentProjectRow } from './app-store';
export { ModelRows, type ModelRow } from './model-rows';
export { projectBaseModel, setProjectBaseModel } from './project-base-model';
export {
  ProjectStore,
  ProjectFolderError,
  isProjectFolder,
  PROJECT_FILE,
  PROJECT_FOLDERS,
  type ProjectRow,
  type SubjectKind,
} from './project-store';
export {
  confinedPath,
  confinedPathOrUndefined,
  realPathOf,
  isWithin,
  assertUsablePath,
  PathOutsideError,
  UnusablePathError,
} from './confined-paths';
export { readFileCapped, readChunksCapped, FileRefusedError } from './bounded-read';
export {
  DiskProblemError,
  diskProblemOf,
  existingFolderOf,
  freeBytesOn,
  formatMegabytes,
  type DiskProblemKind,
} from './disk-problems';
export { assertFolderCanBeMade, FolderNotCreatableError } from './folder-to-create';
export { replaceFile, replaceFileByCopy, LinkInTheWayError } from './link-safe-write';
