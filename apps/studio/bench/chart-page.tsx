// Runs inside Chromium (bundled by chart.bench.ts): the real LossChart fed the way a live run feeds it.
import type { MetricPoint, RunAlert } from '@lora-studio/api';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { LossChart } from '../src/screens/train/LossChart';
import { appendPoints, lossCurve } from '../src/screens/train/loss-series';

export interface UpdateFigures {
  points: number;
  drawn: number;
  updates: number;
  /** Checkpoint and alert lines on screen after the last update (a check that markers are drawn at all). */
  markersDrawn: number;
  /** Smoothing and thinning the series, per update (ms). */
  prepareMs: number[];
  /** Preparing plus React and recharts rendering the SVG, synchronously, per update (ms). */
  updateMs: number[];
}

/** A plausible loss curve: a sharp early drop to a noisy plateau (deterministic). */
function syntheticRun(count: number, from = 1): MetricPoint[] {
  let seed = 12345 + from;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  return Array.from({ length: count }, (_, i) => {
    const step = from + i;
    return { step, loss: 0.12 + 0.3 * Math.exp(-step / 300) + 0.06 * noise(), lr: 1e-4, gradNorm: 0.4 + 0.2 * noise(), stepMs: 250 };
  });
}

async function nextFrame(): Promise<void> {
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Starts with `points` stored steps, then appends batches of 4 steps (one flush of the host) `updates` times. */
async function measure(points: number, updates: number): Promise<UpdateFigures> {
  const container = document.getElementById('root')!;
  const root = createRoot(container);
  let metrics = syntheticRun(points);
  const checkpointSteps = Array.from({ length: Math.floor(points / 500) }, (_, i) => (i + 1) * 500);
  const alerts: RunAlert[] = [{ kind: 'plateau', step: Math.floor(points * 0.7), message: 'plateau' }];
  const render = () => {
    const data = lossCurve(metrics, 0.8);
    flushSync(() =>
      root.render(<LossChart data={data} showLr={false} showGradNorm={false} logY={false} checkpointSteps={checkpointSteps} alerts={alerts} band={[0.08, 0.2]} size={{ width: 960, height: 280 }} />),
    );
    return data.length;
  };
  render();
  await nextFrame();
  const figures: UpdateFigures = { points, drawn: 0, updates, markersDrawn: 0, prepareMs: [], updateMs: [] };
  for (let u = 0; u < updates; u++) {
    metrics = appendPoints(metrics, syntheticRun(4, metrics[metrics.length - 1]!.step + 1));
    const t0 = performance.now();
    lossCurve(metrics, 0.8);
    const t1 = performance.now();
    figures.drawn = render();
    const t2 = performance.now();
    figures.prepareMs.push(t1 - t0);
    figures.updateMs.push(t2 - t1 + (t1 - t0));
    await nextFrame();
  }
  figures.markersDrawn = container.querySelectorAll('[data-marker]').length;
  root.unmount();
  return figures;
}

(window as unknown as { chartBench: typeof measure }).chartBench = measure;
