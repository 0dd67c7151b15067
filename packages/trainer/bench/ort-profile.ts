// Reads onnxruntime's profile (Chrome trace JSON, one event per node run) and says where a step's time goes: by op
// type and by node (block indices folded together, so "double_blocks.*.img_attn.…" sums over the blocks), each with
// its share of the session's run time, and the bytes the nodes write (every output is a fresh buffer on the CPU).
import { readFileSync } from 'node:fs';

interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; output_size?: string; provider?: string };
}

export interface ProfileRow {
  key: string;
  ms: number;
  share: number;
  count: number;
  outputMiB: number;
}

export interface ProfileSummary {
  runs: number;
  /** Mean of onnxruntime's own run time per step (model_run), ms. */
  runMs: number;
  /** Mean of the nodes' kernel time per step, ms (the rest of runMs is scheduling and allocation between nodes). */
  kernelMs: number;
  outputMiB: number;
  byOp: ProfileRow[];
  byNode: ProfileRow[];
}

/** Summarises the profile's last `runs` runs (earlier runs are warm-up). */
export function summariseProfile(path: string, runs: number): ProfileSummary {
  const events = JSON.parse(readFileSync(path, 'utf8')) as TraceEvent[];
  const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const kept = runEvents.slice(-runs);
  // A run's node events come before its model_run event: take those after the last warm-up run's.
  const warmEnd = runEvents.length > kept.length ? events.indexOf(runEvents[runEvents.length - kept.length - 1]!) : -1;
  const nodes = events.filter((e, i) => i > warmEnd && e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const runMs = kept.reduce((a, e) => a + e.dur, 0) / 1000 / kept.length;
  const group = (keyOf: (e: TraceEvent) => string): ProfileRow[] => {
    const rows = new Map<string, ProfileRow>();
    for (const e of nodes) {
      const key = keyOf(e);
      const r = rows.get(key) ?? { key, ms: 0, share: 0, count: 0, outputMiB: 0 };
      r.ms += e.dur / 1000 / kept.length;
      r.count += 1 / kept.length;
      r.outputMiB += Number(e.args?.output_size ?? 0) / 2 ** 20 / kept.length;
      rows.set(key, r);
    }
    return [...rows.values()].map((r) => ({ ...r, share: r.ms / runMs })).sort((a, b) => b.ms - a.ms);
  };
  const byOp = group((e) => e.args?.op_name ?? '?');
  // Node names carry their scope; fold block indices and ORT's numbering so one row is one place in the model.
  const byNode = group((e) => `${e.args?.op_name} ${e.name.replace(/_kernel_time$/, '').replace(/\.\d+\./g, '.*.').replace(/_\d+(?=$|[_.])/g, '')}`);
  return {
    runs: kept.length, runMs, kernelMs: byOp.reduce((a, r) => a + r.ms, 0), outputMiB: byOp.reduce((a, r) => a + r.outputMiB, 0), byOp, byNode,
  };
}

export function formatProfile(s: ProfileSummary, top = 15): string {
  const row = (r: ProfileRow) =>
    `  ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.ms.toFixed(2).padStart(8)} ms  ×${r.count.toFixed(0).padStart(4)}  ${r.outputMiB.toFixed(1).padStart(7)} MiB  ${r.key}`;
  return [
    `onnxruntime profile, mean of ${s.runs} runs: ${s.runMs.toFixed(1)} ms per run, ${s.kernelMs.toFixed(1)} ms in kernels ` +
      `(${(100 * s.kernelMs / s.runMs).toFixed(0)}%), ${s.outputMiB.toFixed(0)} MiB of node outputs written`,
    'by op type (share of the run, ms, nodes, output MiB):',
    ...s.byOp.slice(0, top).map(row),
    'by node (block indices folded):',
    ...s.byNode.slice(0, top).map(row),
  ].join('\n');
}
