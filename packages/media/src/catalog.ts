import { InvalidInputError, NotFoundError, type CropBox, type DatasetHealth, type DatasetImage, type ImageFlagId } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';
import { viewDataset, type DatasetView } from './dataset';
import { faceChecksApply } from './flags';
import { ImageRows, type ImageRow } from './image-rows';

export type ImageSort = 'imported' | 'name' | 'resolution' | 'sharpness' | 'exposure' | 'compression' | 'colourfulness' | 'aspect';

export interface ImageQuery {
  flag?: ImageFlagId;
  show?: 'all' | 'included' | 'excluded';
  sort?: ImageSort;
  descending?: boolean;
}

function toDatasetImage(r: ImageRow, view: DatasetView): DatasetImage {
  const thumbs = r.hash;
  const { make, model, takenAt } = r.exif ?? {};
  return {
    id: r.id,
    hash: r.hash,
    sourceName: r.sourceName,
    format: r.format,
    width: r.width,
    height: r.height,
    original: r.file,
    thumbSmall: `cache/thumbs/${thumbs}-256.jpg`,
    thumbLarge: `cache/thumbs/${thumbs}-1024.jpg`,
    exif: r.exif ? { ...(make ? { make } : {}), ...(model ? { model } : {}), ...(takenAt ? { takenAt } : {}) } : null,
    metrics: r.metrics,
    flags: view.flags.get(r.id) ?? [],
    analysis: r.analysis,
    excluded: r.excluded,
    crop: r.crop,
    repeats: r.repeats,
    caption: r.caption,
    importedAt: r.importedAt,
    duplicateCluster: view.duplicateCluster.get(r.id) ?? null,
    session: view.session.get(r.id) ?? null,
    mask: r.mask,
    references: r.references,
  };
}

const sortKey: Record<ImageSort, (i: DatasetImage) => number | string> = {
  imported: (i) => i.id,
  name: (i) => i.sourceName.toLowerCase(),
  resolution: (i) => Math.min(i.crop?.width ?? i.width, i.crop?.height ?? i.height),
  sharpness: (i) => i.metrics.sharpness,
  exposure: (i) => i.metrics.meanLuma,
  // Most compressed first when sorted descending: a lower quality is more compression; other formats count as none.
  compression: (i) => 100 - (i.metrics.jpegQuality ?? 100),
  colourfulness: (i) => i.metrics.colourfulness,
  aspect: (i) => i.metrics.aspectRatio,
};

/**
 * The last dataset view of each open project, with the store state it was built from. The grid lists the images
 * again after every change event (one per analysed image while analysis runs), so an unchanged store is not re-read.
 */
const views = new WeakMap<ProjectStore, { state: string; rows: ImageRow[]; view: DatasetView }>();

/** The project's images as the Dataset view shows them: flags in the guide's words, clusters, sessions. */
export class DatasetCatalog {
  private readonly rows: ImageRows;
  constructor(private readonly store: ProjectStore) {
    this.rows = new ImageRows(store);
  }

  /** Rows and view, rebuilt only when the store changed: total_changes() counts this connection's writes, data_version other connections' commits. */
  private current(): { rows: ImageRow[]; view: DatasetView } {
    const settings = this.store.settings();
    const { type } = settings;
    const faces = faceChecksApply(settings);
    const { changes } = this.store.db.prepare('SELECT total_changes() AS changes').get() as { changes: number };
    const state = `${changes}:${this.store.db.pragma('data_version', { simple: true }) as number}:${type}:${faces}`;
    const cached = views.get(this.store);
    if (cached?.state === state) return cached;
    const rows = this.rows.all();
    const fresh = { state, rows, view: viewDataset(rows, type, faces) };
    views.set(this.store, fresh);
    return fresh;
  }

  list(q: ImageQuery = {}): DatasetImage[] {
    const { rows, view } = this.current();
    let images = rows.map((r) => toDatasetImage(r, view));
    if (q.show === 'included') images = images.filter((i) => !i.excluded);
    if (q.show === 'excluded') images = images.filter((i) => i.excluded);
    if (q.flag) images = images.filter((i) => i.flags.some((f) => f.id === q.flag));
    const key = sortKey[q.sort ?? 'imported'];
    const dir = q.descending ? -1 : 1;
    return images.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id) * dir;
    });
  }

  get(id: number): DatasetImage | undefined {
    const { rows, view } = this.current();
    const row = rows.find((r) => r.id === id);
    return row && toDatasetImage(row, view);
  }

  /** Excludes/includes and crops; returns the changed images. Unknown ids are reported, nothing is changed then. */
  update(ids: readonly number[], change: { excluded?: boolean; crop?: CropBox | null }): DatasetImage[] {
    const rows = this.rows.all();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) throw new UnknownImages(missing);
    if (change.crop) {
      for (const id of ids) {
        const r = byId.get(id)!;
        const c = change.crop;
        if (c.x + c.width > r.width || c.y + c.height > r.height) {
          throw new InvalidCrop(`The crop ${c.width}×${c.height} at (${c.x}, ${c.y}) reaches outside image ${id} (${r.width}×${r.height}).`);
        }
      }
    }
    this.store.db.transaction(() => {
      if (change.excluded !== undefined) this.rows.setExcluded(ids, change.excluded);
      if (change.crop !== undefined) this.rows.setCrop(ids, change.crop);
    })();
    const wanted = new Set(ids);
    return this.list().filter((i) => wanted.has(i.id));
  }

  health(): DatasetHealth {
    return this.current().view.health;
  }
}

export class UnknownImages extends NotFoundError {
  override name = 'UnknownImages';
  constructor(readonly ids: number[]) {
    super(`No image with id ${ids.join(', ')} in this project; it may have been removed. Reload the dataset.`, { ids });
  }
}

export class InvalidCrop extends InvalidInputError {
  override name = 'InvalidCrop';
}
