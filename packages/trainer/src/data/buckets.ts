// Aspect-ratio buckets: sizes of about resolution² pixels, sides multiples of the model's patch size, so
// portrait and landscape images are trained without squashing and with a static shape per bucket.

export interface Bucket {
  width: number;
  height: number;
}

export function bucketKey(b: Bucket): string {
  return `${b.width}x${b.height}`;
}

/** Buckets from aspect 1:2 to 2:1 whose area does not exceed resolution². */
export function makeBuckets(resolution: number, multiple: number, maxAspect = 2): Bucket[] {
  const area = resolution * resolution;
  const minSide = Math.ceil(resolution / Math.sqrt(maxAspect) / multiple) * multiple;
  const maxSide = Math.floor((resolution * Math.sqrt(maxAspect)) / multiple) * multiple;
  const buckets: Bucket[] = [];
  for (let width = minSide; width <= maxSide; width += multiple) {
    const height = Math.floor(area / width / multiple) * multiple;
    const aspect = width / height;
    if (height < multiple || aspect > maxAspect || aspect < 1 / maxAspect) continue;
    if (!buckets.some((b) => b.width === width && b.height === height)) buckets.push({ width, height });
  }
  return buckets;
}

/** The bucket whose aspect ratio is closest (in log space, so 1:2 and 2:1 are equally far from 1:1). */
export function pickBucket(width: number, height: number, buckets: readonly Bucket[]): Bucket {
  const target = Math.log(width / height);
  let best = buckets[0]!;
  let bestDistance = Infinity;
  for (const b of buckets) {
    const d = Math.abs(Math.log(b.width / b.height) - target);
    if (d < bestDistance - 1e-12) {
      best = b;
      bestDistance = d;
    }
  }
  return best;
}
