// Many small transfers (a dataset's images) against a store that is a network hop away: a few in flight at once
// hide the round trips, while the results keep the input's order (a manifest's order is part of its hash).

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. The first failure rejects. */
export async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
