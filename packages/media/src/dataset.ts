import type { DatasetHealth, DatasetWarning, ImageFlagId, LoraType, PhotoSession } from '@lora-studio/api';
import { imageFlagIds } from '@lora-studio/api';
import { imageFlags } from './flags';
import type { ImageRow } from './image-rows';
import { hashDistance, tinyDifference } from './phash';
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

/** Union–find over indices; groups are returned largest first, singletons dropped. */
function groups(n: number, linked: (i: number, j: number) => boolean): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (find(i) !== find(j) && linked(i, j)) parent[find(i)] = find(j);
  const by = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const g = by.get(root);
    if (g) g.push(i);
    else by.set(root, [i]);
  }
  return [...by.values()].filter((g) => g.length > 1).sort((a, b) => b.length - a.length || a[0]! - b[0]!);
}

function nearTwins(a: ImageRow, b: ImageRow): boolean {
  const t = THRESHOLDS.nearDuplicate;
  return hashDistance(a.metrics.phash, b.metrics.phash) <= t.maxHashDistance || tinyDifference(a.metrics.tiny, b.metrics.tiny) <= t.maxTinyDifference;
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
    byCamera.set(camera, [...(byCamera.get(camera) ?? []), img]);
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
  for (const g of groups(untimed.length, (i, j) => signatureDistance(untimed[i]!.metrics.look, untimed[j]!.metrics.look) <= THRESHOLDS.session.maxLookDistance)) {
    sessions.push({ imageIds: g.map((i) => untimed[i]!.id), basis: 'look', label: `${g.length} photos with the same background and light` });
  }
  return sessions.sort((a, b) => b.imageIds.length - a.imageIds.length);
}

/** The largest set of images whose background/lighting lie close to one image's (a medoid-style group). */
function sameRoomGroup(images: ImageRow[]): ImageRow[] {
  let best: ImageRow[] = [];
  for (const centre of images) {
    const near = images.filter((o) => signatureDistance(centre.metrics.look, o.metrics.look) <= THRESHOLDS.sameRoom.maxDistance);
    if (near.length > best.length) best = near;
  }
  return best;
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
export function viewDataset(rows: ImageRow[], loraType: LoraType): DatasetView {
  const included = rows.filter((r) => !r.excluded);
  const duplicateGroups = groups(included.length, (i, j) => nearTwins(included[i]!, included[j]!)).map((g) => g.map((i) => included[i]!.id).sort((a, b) => a - b));
  const duplicateCluster = new Map<number, number>();
  duplicateGroups.forEach((g, k) => g.forEach((id) => duplicateCluster.set(id, k)));

  const sessions = photoSessions(included);
  const session = new Map<number, number>();
  sessions.forEach((s, k) => s.imageIds.forEach((id) => session.set(id, k)));

  const flags = new Map<number, ReturnType<typeof imageFlags>>();
  const flagCounts = Object.fromEntries(imageFlagIds.map((id) => [id, 0])) as Record<ImageFlagId, number>;
  const flagged = new Map<ImageFlagId, number[]>();
  for (const r of rows) {
    const f = imageFlags(r.metrics, { loraType, crop: r.crop, hasNearDuplicate: duplicateCluster.has(r.id) });
    flags.set(r.id, f);
    if (r.excluded) continue;
    for (const { id } of f) {
      flagCounts[id]++;
      flagged.set(id, [...(flagged.get(id) ?? []), r.id]);
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
