// Building feed data on the host: a batch's rows (or a row's parts) laid back to back in one array, as a
// session's input wants them.

/** The arrays one after another in a new array. */
export function joinArrays(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The array `times` times over (the same positions for every row of a batch). */
export function repeatArray(a: Float32Array, times: number): Float32Array {
  return joinArrays(Array.from({ length: times }, () => a));
}
