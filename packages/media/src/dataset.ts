import type { DatasetHealth, DatasetWarning, ImageFlagId, LoraType, PhotoSession } from '@lora-studio/api';
import { imageFlagIds } from '@lora-studio/api';
import { imageFlags } from './flags';
import type { ImageRow } from './image-rows';
import { tinyDifference } from './phash';
import { signatureDistance } from './pixels';
import { FLAG_REASONS, THRESHOLDS } from './thresholds';

/** The dataset seen as a whole: clusters, sessions, per-image flags and the health report. */
export interface DatasetView {
  health: DatasetHealth;
  /** image id → index into health.nearDuplicates */
  duplicateCluster: Map<number, number>;
  /** image id → index into health.sessions */
  session: Map<number, number>;
  flags: Map<number, ReturnType<typeof imageFlags>>;
}

/** Calls `visit(i, j)` (i < j) for every pair of indices that may be linked; a pair left out is never linked. */
type CandidatePairs = (visit: (i: number, j: number) => void) => void;

/** Union–find over indices; groups are returned largest first, singletons dropped. */
function groups(n: number, pairs: CandidatePairs, linked: (i: number, j: number) => boolean): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  pairs((i, j) => {
    if (find(i) !== find(j) && linked(i, j)) parent[find(i)] = find(j);
  });
  const by = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const g = by.get(root);
    if (g) g.push(i);
    else by.set(root, [i]);
  }
  return [...by.values()].filter((g) => g.length > 1).sort((a, b) => b.length - a.length || a[0]! - b[0]!);
}

const allPairs = (n: number): CandidatePairs => (visit) => {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) visit(i, j);
};

/**
 * Pairs whose keys differ by at most `radius`, found through the keys' sorted order: O(n log n + pairs) instead of
 * every pair. Sound whenever the key difference never exceeds the distance being tested (a mean does not exceed the
 * mean absolute difference, nor the root-mean-square difference).
 */
const pairsWithin = (keys: Float64Array, radius: number): CandidatePairs => (visit) => {
  const order = Array.from(keys.keys()).sort((a, b) => keys[a]! - keys[b]!);
  for (let a = 0; a < order.length; a++) {
    const i = order[a]!;
    for (let b = a + 1; b < order.length && keys[order[b]!]! - keys[i]! <= radius; b++) {
      const j = order[b]!;
      visit(Math.min(i, j), Math.max(i, j));
    }
  }
};

const mean = (values: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : 0;
};

/** Near-duplicate clusters by perceptual hash (every pair, a few integer operations each) or by 8×8 miniature. */
function nearDuplicateGroups(images: ImageRow[]): number[][] {
  const t = THRESHOLDS.nearDuplicate;
  const n = images.length;
  const hi = new Int32Array(n);
  const lo = new Int32Array(n);
  const tiny = images.map((r) => Buffer.from(r.metrics.tiny, 'hex'));
  const tinyMean = Float64Array.from(tiny, mean);
  images.forEach((r, k) => {
    hi[k] = parseInt(r.metrics.phash.slice(0, 8), 16) | 0;
    lo[k] = parseInt(r.metrics.phash.slice(8, 16), 16) | 0;
  });
  const sameSize = tiny.every((x) => x.length === tiny[0]!.length);
  const twinByTiny = (i: number, j: number) => tinyDifference(tiny[i]!, tiny[j]!) <= t.maxTinyDifference;
  // Every pair is compared by hash, so that loop is kept free of calls: a few integer operations per pair.
  const hashTwins: CandidatePairs = (visit) => {
    for (let i = 0; i < n; i++) {
      const h = hi[i]!;
      const l = lo[i]!;
      for (let j = i + 1; j < n; j++) {
        if (bitCount(h ^ hi[j]!) + bitCount(l ^ lo[j]!) <= t.maxHashDistance) visit(i, j);
      }
    }
  };
  const byHash = groups(n, hashTwins, () => true);
  // Miniature twins can only be found among images whose mean grey is that close.
  const byTiny = groups(n, sameSize ? pairsWithin(tinyMean, t.maxTinyDifference) : allPairs(n), twinByTiny);
  return groups(n, (visit) => {
    for (const g of [...byHash, ...byTiny]) for (let k = 1; k < g.length; k++) visit(Math.min(g[0]!, g[k]!), Math.max(g[0]!, g[k]!));
  }, () => true);
}

function bitCount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** signatureDistance(a, b) <= limit, stopping as soon as the sum of squares exceeds it (most pairs stop early). */
function looksWithin(a: readonly number[], b: readonly number[], limit: number): boolean {
  const n = Math.min(a.length, b.length);
  if (n === 0) return false;
  const budget = limit * limit * n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += (a[i]! - b[i]!) ** 2;
    if (s > budget) return false;
  }
  return Math.sqrt(s / n) <= limit;
}

/** Candidate pairs for a look-signature distance test: by mean signature when all have one length, else all pairs. */
function lookPairs(images: ImageRow[], radius: number): CandidatePairs {
  const sameLength = images.every((r) => r.metrics.look.length === images[0]!.metrics.look.length);
  return sameLength ? pairsWithin(Float64Array.from(images, (r) => mean(r.metrics.look)), radius) : allPairs(images.length);
}

/**
 * One-session rule: photos with a capture time are grouped by camera and time gaps; photos without one by look
 * (background and light). Only groups of two or more are sessions.
 */
function photoSessions(images: ImageRow[]): PhotoSession[] {
  const sessions: PhotoSession[] = [];
  const timed = images.filter((i) => i.exif?.takenAt);
  const byCamera = new Map<string, ImageRow[]>();
  for (const img of timed) {
    const camera = [img.exif?.make, img.exif?.model].filter(Boolean).join(' ') || 'unknown camera';
    const list = byCamera.get(camera);
    if (list) list.push(img);
    else byCamera.set(camera, [img]);
  }
  const gapMs = THRESHOLDS.session.maxGapMinutes * 60_000;
  for (const [camera, list] of byCamera) {
    list.sort((a, b) => Date.parse(a.exif!.takenAt!) - Date.parse(b.exif!.takenAt!));
    let current: ImageRow[] = [];
    const flush = () => {
      if (current.length > 1) {
        sessions.push({ imageIds: current.map((i) => i.id), basis: 'exif', label: `${camera}, ${current[0]!.exif!.takenAt!.replace('T', ' ')}` });
      }
      current = [];
    };
    for (const img of list) {
      const prev = current[current.length - 1];
      if (prev && Date.parse(img.exif!.takenAt!) - Date.parse(prev.exif!.takenAt!) > gapMs) flush();
      current.push(img);
    }
    flush();
  }
  const untimed = images.filter((i) => !i.exif?.takenAt);
  const maxLook = THRESHOLDS.session.maxLookDistance;
  for (const g of groups(untimed.length, lookPairs(untimed, maxLook), (i, j) => looksWithin(untimed[i]!.metrics.look, untimed[j]!.metrics.look, maxLook))) {
    sessions.push({ imageIds: g.map((i) => untimed[i]!.id), basis: 'look', label: `${g.length} photos with the same background and light` });
  }
  return sessions.sort((a, b) => b.imageIds.length - a.imageIds.length);
}

/** The largest set of images whose background/lighting lie close to one image's (a medoid-style group). */
function sameRoomGroup(images: ImageRow[]): ImageRow[] {
  const maxDistance = THRESHOLDS.sameRoom.maxDistance;
  const near = new Int32Array(images.length).fill(1);
  lookPairs(images, maxDistance)((i, j) => {
    if (looksWithin(images[i]!.metrics.look, images[j]!.metrics.look, maxDistance)) {
      near[i]!++;
      near[j]!++;
    }
  });
  let centre = -1;
  for (let i = 0; i < images.length; i++) if (centre < 0 || near[i]! > near[centre]!) centre = i;
  if (centre < 0) return [];
  return images.filter((o) => signatureDistance(images[centre]!.metrics.look, o.metrics.look) <= maxDistance);
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function countCheck(loraType: LoraType, included: number): DatasetHealth['count'] {
  const band = THRESHOLDS.datasetSize[loraType];
  const bandText = loraType === 'style' ? `style LoRAs usually need ${band.optimalLow}–${band.optimalHigh} images` : `a ${loraType} LoRA needs at least ${band.minimum} images; ${band.optimalLow}–${band.optimalHigh} is optimal`;
  const base = { minimum: band.minimum, optimalLow: band.optimalLow, optimalHigh: band.optimalHigh };
  if (included < band.minimum) return { ...base, status: 'error', message: `${included} images included: too few — ${bandText}.` };
  if (included < band.optimalLow) return { ...base, status: 'warning', message: `${included} images included: enough to train, but ${bandText}.` };
  if (included > band.optimalHigh && loraType === 'style') {
    return { ...base, status: 'ok', message: `${included} images included: more than the guide's ${band.optimalLow}–${band.optimalHigh}; variety matters more than quantity.` };
  }
  return { ...base, status: 'ok', message: `${included} images included: within the guide's band (${bandText}).` };
}

/** Builds the whole dataset view from the stored rows. Excluded images keep their flags but count in no dataset check. */
export function viewDataset(rows: ImageRow[], loraType: LoraType, faceChecks: boolean): DatasetView {
  const included = rows.filter((r) => !r.excluded);
  const duplicateGroups = nearDuplicateGroups(included).map((g) => g.map((i) => included[i]!.id).sort((a, b) => a - b));
  const duplicateCluster = new Map<number, number>();
  duplicateGroups.forEach((g, k) => g.forEach((id) => duplicateCluster.set(id, k)));

  const sessions = photoSessions(included);
  const session = new Map<number, number>();
  sessions.forEach((s, k) => s.imageIds.forEach((id) => session.set(id, k)));

  const flags = new Map<number, ReturnType<typeof imageFlags>>();
  const flagCounts = Object.fromEntries(imageFlagIds.map((id) => [id, 0])) as Record<ImageFlagId, number>;
  const flagged = new Map<ImageFlagId, number[]>();
  for (const r of rows) {
    const f = imageFlags(r.metrics, { loraType, faceChecks, crop: r.crop, hasNearDuplicate: duplicateCluster.has(r.id) });
    flags.set(r.id, f);
    if (r.excluded) continue;
    for (const { id } of f) {
      flagCounts[id]++;
      const list = flagged.get(id);
      if (list) list.push(r.id);
      else flagged.set(id, [r.id]);
    }
  }

  const n = included.length;
  const shortSides = included.map((r) => Math.min(r.crop?.width ?? r.width, r.crop?.height ?? r.height)).sort((a, b) => a - b);
  const resolution = {
    belowMinimumShare: n ? shortSides.filter((s) => s < THRESHOLDS.resolution.minimum).length / n : 0,
    belowPreferredShare: n ? shortSides.filter((s) => s < THRESHOLDS.resolution.preferred).length / n : 0,
    medianShortSide: n ? shortSides[Math.floor((n - 1) / 2)]! : 0,
  };

  const warnings: DatasetWarning[] = [];
  const count = countCheck(loraType, n);
  if (count.status !== 'ok') warnings.push({ id: 'image-count', severity: count.status, message: count.message, imageIds: [] });
  for (const s of sessions) {
    const share = s.imageIds.length / Math.max(1, n);
    if (share > THRESHOLDS.session.maxShare) {
      warnings.push({
        id: 'one-session',
        severity: 'warning',
        message: `${s.imageIds.length} images (${percent(share)}) come from one session (${s.label}): the guide says no single photoshoot should exceed ${percent(THRESHOLDS.session.maxShare)} of the images.`,
        imageIds: s.imageIds,
      });
    }
  }
  const room = n >= THRESHOLDS.sameRoom.minImages ? sameRoomGroup(included) : [];
  if (room.length / Math.max(1, n) >= THRESHOLDS.sameRoom.warnShare) {
    warnings.push({
      id: 'same-room',
      severity: 'warning',
      message: `${percent(room.length / n)} of the images share the same background and lighting: the guide's mistake #1 — the LoRA learns the room along with the concept. Add photos from other places and light.`,
      imageIds: room.map((r) => r.id),
    });
  }
  for (const g of duplicateGroups) {
    warnings.push({ id: 'near-duplicates', severity: 'warning', message: `${g.length} near-identical images: ${FLAG_REASONS['near-duplicate'].split(': ')[1]!} Keep the best one.`, imageIds: g });
  }
  for (const id of imageFlagIds) {
    const ids = flagged.get(id);
    if (!ids || id === 'near-duplicate') continue;
    const severity = id === 'low-resolution' || id === 'blurry' || id === 'text-overlay' || id === 'multiple-faces' ? 'warning' : 'info';
    warnings.push({ id, severity, message: `${ids.length} image${ids.length === 1 ? '' : 's'}: ${FLAG_REASONS[id]}`, imageIds: ids });
  }

  return {
    health: {
      loraType,
      total: rows.length,
      included: n,
      excluded: rows.length - n,
      pendingAnalysis: rows.filter((r) => r.analysis === 'pending').length,
      count,
      resolution,
      flagCounts,
      nearDuplicates: duplicateGroups,
      sessions,
      warnings,
    },
    duplicateCluster,
    session,
    flags,
  };
}
