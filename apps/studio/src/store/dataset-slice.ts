import type { CropBox, DatasetHealth, DatasetImage, HandlerArgs, ImageFlagId, ServerEvents } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage, importsByPath, localPath, uploadImage } from '../client';
import { base64Of, pairDroppedMasks } from './dropped-masks';
import {
  cancelWaiting,
  finishIfSettled,
  queueItems,
  settleFromSummary,
  updateItem,
  type ImportJob,
} from './import-job';
import type { StudioState } from './index';

export type ImageSort = NonNullable<HandlerArgs<'images-list'>['sort']>;

/** What the grid shows; filtering and sorting happen in the services so their order is the one place it is defined. */
export interface DatasetQuery {
  show: 'all' | 'included' | 'excluded';
  flag: ImageFlagId | null;
  sort: ImageSort;
  descending: boolean;
}

/** A set of images picked out by the health panel (a warning's images), shown on top of the query. */
export interface DatasetFocus {
  label: string;
  ids: number[];
}

/** The open project's images, its health report, the selection, and the import in progress. */
export interface DatasetSlice {
  datasetDir: string | null;
  /** The images of the current query, in its order. */
  datasetImages: DatasetImage[];
  datasetHealth: DatasetHealth | null;
  datasetLoaded: boolean;
  datasetError: string | null;
  datasetQuery: DatasetQuery;
  datasetFocus: DatasetFocus | null;
  selectedImageId: number | null;
  /** A failed exclude/crop, shown until the next action. */
  datasetActionError: string | null;
  importJob: ImportJob | null;

  openDataset(dir: string): Promise<void>;
  reloadDataset(): Promise<void>;
  /** Pushed by the services: another window, the CLI or an import changed images of `dir`. */
  datasetChanged(dir: string): void;
  setDatasetQuery(change: Partial<DatasetQuery>): void;
  focusImages(focus: DatasetFocus | null): void;
  selectImage(id: number | null): void;
  setExcluded(ids: number[], excluded: boolean): Promise<void>;
  setCrop(id: number, crop: CropBox | null): Promise<void>;
  /** Stores the image's training mask (a base64 PNG) or removes it (null); true when it was stored. */
  setMask(id: number, png: string | null): Promise<boolean>;
  /** Starts (or adds to) the import; `skipped` names dropped files that are not images. */
  importFiles(files: File[], skipped?: string[]): void;
  cancelImport(): Promise<void>;
  dismissImport(): void;
  importProgressed(event: ServerEvents['import-progress']): void;
}

const DEFAULT_QUERY: DatasetQuery = { show: 'all', flag: null, sort: 'imported', descending: false };

/** Images of the query, narrowed to the focused ones when the health panel picked some. */
export function visibleImages(images: DatasetImage[], focus: DatasetFocus | null): DatasetImage[] {
  if (!focus) return images;
  const ids = new Set(focus.ids);
  return images.filter((image) => ids.has(image.id));
}

/** Two uploads at once keep the network busy while the services analyse the previous file. */
const PARALLEL_UPLOADS = 2;

function newImportId(): string {
  return `import-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export const createDatasetSlice: StateCreator<StudioState, [], [], DatasetSlice> = (set, get) => {
  // Reloads are coalesced: at most one in flight, and one more after it when something changed meanwhile.
  let reloading: Promise<void> | null = null;
  let reloadAgain = false;

  // The import's files wait here (File objects stay out of the store); workers take them in order.
  const queue: { key: number; file: File }[] = [];
  let workers = 0;
  let abort = new AbortController();
  /** Per-item import ids of what the services are importing now, so Cancel reaches them. */
  const running = new Map<number, string>();
  /** Masks dropped beside their image (NAME_mask.png): stored as the image's mask once it is imported. */
  const pendingMasks = new Map<File, File>();

  const fetchOnce = async () => {
    const dir = get().datasetDir;
    if (!dir) return;
    const { show, flag, sort, descending } = get().datasetQuery;
    try {
      const [images, health] = await Promise.all([
        client.send('images-list', { dir, show, sort, descending, ...(flag ? { flag } : {}) }),
        client.send('dataset-health', { dir }),
      ]);
      if (get().datasetDir !== dir) return;
      const before = visibleImages(get().datasetImages, get().datasetFocus);
      const after = visibleImages(images, get().datasetFocus);
      let selected = get().selectedImageId;
      // An image that left the view (excluded while showing "included") hands the selection to its neighbour.
      if (selected !== null && !after.some((image) => image.id === selected)) {
        const index = before.findIndex((image) => image.id === selected);
        selected = index >= 0 && after.length > 0 ? after[Math.min(index, after.length - 1)]!.id : null;
      }
      set({ datasetImages: images, datasetHealth: health, datasetLoaded: true, datasetError: null, selectedImageId: selected });
    } catch (err) {
      if (get().datasetDir === dir) set({ datasetError: errorMessage(err), datasetLoaded: true });
    }
  };

  const reload = (): Promise<void> => {
    if (reloading) {
      reloadAgain = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        reloadAgain = false;
        const started = performance.now();
        await fetchOnce();
        // An import changes the dataset with every file; on a large dataset listing it is slow, so pause as long as
        // the last listing took before the next one, and the host spends at least half its time importing.
        if (reloadAgain) await new Promise((r) => setTimeout(r, Math.min(5000, performance.now() - started)));
      } while (reloadAgain);
    })().finally(() => {
      reloading = null;
    });
    return reloading;
  };

  const patchJob = (change: (job: ImportJob) => ImportJob) => {
    const job = get().importJob;
    if (job) set({ importJob: change(job) });
  };

  const importOne = async (job: ImportJob, key: number, file: File) => {
    const itemImportId = `${job.id}-${key}`;
    running.set(key, itemImportId);
    patchJob((j) => updateItem(j, key, { status: 'sending' }));
    try {
      let summary;
      if (importsByPath()) {
        const path = localPath(file);
        if (!path) throw new Error(`The app could not tell where ${file.name} is on disk. Use the Add button to pick it instead.`);
        patchJob((j) => updateItem(j, key, { status: 'analysing' }));
        summary = await client.send('images-import', { dir: job.dir, paths: [path], importId: itemImportId });
      } else {
        summary = await uploadImage(
          job.dir,
          file,
          itemImportId,
          (sent) => {
            // Sending is most of the wait for large files; analysis is the rest.
            const sentAll = sent >= file.size;
            patchJob((j) => updateItem(j, key, { status: sentAll ? 'analysing' : 'sending', progress: 0.8 * (file.size ? sent / file.size : 1) }));
          },
          abort.signal,
        );
      }
      patchJob((j) => ({ ...j, items: j.items.map((item) => (item.key === key ? settleFromSummary(item, summary) : item)) }));
      const mask = pendingMasks.get(file);
      pendingMasks.delete(file);
      const [only] = summary.files;
      if (mask && summary.files.length === 1 && only?.status === 'imported' && only.imageId !== undefined) await attachMask(job, key, only.imageId, mask);
    } catch (err) {
      const cancelled = err instanceof DOMException && err.name === 'AbortError';
      patchJob((j) => updateItem(j, key, cancelled ? { status: 'cancelled', message: 'Cancelled.' } : { status: 'failed', message: errorMessage(err) }));
    } finally {
      running.delete(key);
    }
  };

  /** Stores a dropped mask as its just-imported image's mask; a mask that cannot be kept is noted on the image's line. */
  const attachMask = async (job: ImportJob, key: number, imageId: number, mask: File) => {
    try {
      const png = base64Of(new Uint8Array(await mask.arrayBuffer()));
      await client.send('images-set-mask', { dir: job.dir, id: imageId, png });
    } catch (err) {
      const said = get().importJob?.items[key]?.message;
      const message = `Its mask ${mask.name} was not kept (${errorMessage(err)}); the image was imported without a mask.`;
      patchJob((j) => updateItem(j, key, { message: said ? `${said} ${message}` : message }));
    }
  };

  const work = async (job: ImportJob) => {
    workers++;
    try {
      const current = () => get().importJob?.id === job.id && !get().importJob?.cancelled;
      while (queue.length > 0 && current()) {
        const next = queue.shift()!;
        await importOne(job, next.key, next.file);
      }
    } finally {
      workers--;
      if (workers === 0) patchJob(finishIfSettled);
    }
  };

  return {
    datasetDir: null,
    datasetImages: [],
    datasetHealth: null,
    datasetLoaded: false,
    datasetError: null,
    datasetQuery: DEFAULT_QUERY,
    datasetFocus: null,
    selectedImageId: null,
    datasetActionError: null,
    importJob: null,

    openDataset: (dir) => {
      if (get().datasetDir !== dir) {
        set({
          datasetDir: dir,
          datasetImages: [],
          datasetHealth: null,
          datasetLoaded: false,
          datasetError: null,
          datasetQuery: DEFAULT_QUERY,
          datasetFocus: null,
          selectedImageId: null,
          datasetActionError: null,
        });
      }
      return reload();
    },

    reloadDataset: reload,

    datasetChanged: (dir) => {
      if (dir === get().datasetDir) void reload();
    },

    setDatasetQuery: (change) => {
      set({ datasetQuery: { ...get().datasetQuery, ...change } });
      void reload();
    },

    focusImages: (focus) => {
      const selected = get().selectedImageId;
      set({ datasetFocus: focus, selectedImageId: focus && selected !== null && !focus.ids.includes(selected) ? null : selected });
    },

    selectImage: (id) => set({ selectedImageId: id }),

    setExcluded: async (ids, excluded) => {
      const dir = get().datasetDir;
      if (!dir || ids.length === 0) return;
      // Shown at once; the reload that follows brings the flags that depend on the rest of the dataset.
      const changed = new Set(ids);
      set({ datasetActionError: null, datasetImages: get().datasetImages.map((image) => (changed.has(image.id) ? { ...image, excluded } : image)) });
      try {
        await client.send('images-update', { dir, ids, excluded });
      } catch (err) {
        set({ datasetActionError: errorMessage(err) });
      }
      await reload();
    },

    setCrop: async (id, crop) => {
      const dir = get().datasetDir;
      if (!dir) return;
      set({ datasetActionError: null });
      try {
        await client.send('images-update', { dir, ids: [id], crop });
      } catch (err) {
        set({ datasetActionError: errorMessage(err) });
      }
      await reload();
    },

    setMask: async (id, png) => {
      const dir = get().datasetDir;
      if (!dir) return false;
      set({ datasetActionError: null });
      let stored = false;
      try {
        const image = await client.send('images-set-mask', { dir, id, png });
        set({ datasetImages: get().datasetImages.map((i) => (i.id === id ? image : i)) });
        stored = true;
      } catch (err) {
        set({ datasetActionError: errorMessage(err) });
      }
      await reload();
      return stored;
    },

    importFiles: (files, skipped = []) => {
      const dir = get().datasetDir;
      if (!dir || (files.length === 0 && skipped.length === 0)) return;
      const previous = get().importJob;
      const { images, maskOf } = pairDroppedMasks(files);
      for (const [image, mask] of maskOf) pendingMasks.set(image, mask);
      const job = queueItems(previous, newImportId(), dir, images.map((f) => f.name), skipped);
      if (job.id !== previous?.id) abort = new AbortController();
      const start = job.items.length - images.length;
      images.forEach((file, i) => queue.push({ key: start + i, file }));
      set({ importJob: job });
      // Desktop imports read from disk in the services, one path at a time; browser uploads overlap.
      const wanted = importsByPath() ? 1 : PARALLEL_UPLOADS;
      while (workers < wanted && queue.length > 0) void work(job);
    },

    cancelImport: async () => {
      const job = get().importJob;
      if (!job || job.finished) return;
      queue.length = 0;
      set({ importJob: cancelWaiting(job) });
      abort.abort();
      // An upload already sent is being analysed by the services; stop that too.
      await Promise.all([...running.values()].map((importId) => client.send('images-cancel-import', { dir: job.dir, importId }).catch(() => undefined)));
      if (workers === 0) patchJob(finishIfSettled);
    },

    dismissImport: () => {
      if (get().importJob?.finished) set({ importJob: null });
    },

    importProgressed: (event) => {
      // Desktop folders and zips: "12 of 40 files" inside one dropped item.
      const job = get().importJob;
      if (!job || event.finished || !event.importId.startsWith(`${job.id}-`)) return;
      const key = Number(event.importId.slice(job.id.length + 1));
      const item = job.items[key];
      if (!item || item.status !== 'analysing' || event.total === 0) return;
      set({ importJob: updateItem(job, key, { progress: Math.max(item.progress, 0.99 * (event.done / event.total)) }) });
    },
  };
};
