import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunAlert } from '@lora-studio/api';
import type { LossChartPoint } from './loss-series';
import { StepMarkers, type StepMarker } from './StepMarkers';

export interface LossChartProps {
  /** Already thinned (≤ ~2,000 points): the chart draws what it gets. */
  data: LossChartPoint[];
  showLr: boolean;
  showGradNorm: boolean;
  logY: boolean;
  checkpointSteps: number[];
  alerts: RunAlert[];
  /** The guide's typical final loss, drawn as a band; null where the guide gives none. */
  band: [number, number] | null;
  /** Fixed pixel size for measurements (the benchmark); the view fills its container. */
  size?: { width: number; height: number };
}

const COLORS = { raw: '#6c9cff55', smoothed: '#6c9cff', lr: '#e2b340', grad: '#b784f5', band: '#4cc38a' };
const tick = { fill: '#9aa2ae', fontSize: 11 };
const lossTick = (v: number) => (v >= 0.01 ? v.toFixed(2) : v.toExponential(0));
const tooltipNumber = (value: unknown) => (typeof value === 'number' ? (Math.abs(value) < 0.001 ? value.toExponential(3) : value.toFixed(4)) : String(value));

/**
 * Raw and smoothed loss over steps, learning rate and grad norm on their own axes, checkpoint and alert markers.
 * No animation (a live series would animate forever), and `dataKey`s never change, so an update only redraws paths.
 */
export const LossChart = memo(function LossChart({ data, showLr, showGradNorm, logY, checkpointSteps, alerts, band, size }: LossChartProps) {
  const markers = useMemo<StepMarker[]>(
    () => [...checkpointSteps.map((step) => ({ step, kind: 'checkpoint' as const })), ...alerts.map((a) => ({ step: a.step, kind: 'alert' as const }))],
    [checkpointSteps, alerts],
  );
  const chart = (
    <LineChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 4 }} {...(size ?? {})}>
      <CartesianGrid stroke="#2d323a" strokeDasharray="3 3" />
      <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} tick={tick} stroke="#3b414b" />
      <YAxis
        yAxisId="loss"
        scale={logY ? 'log' : 'linear'}
        domain={['auto', 'auto']}
        allowDataOverflow={false}
        tickFormatter={lossTick}
        tick={tick}
        width={52}
        stroke="#3b414b"
      />
      {showLr && <YAxis yAxisId="lr" orientation="right" tickFormatter={(v: number) => v.toExponential(0)} tick={tick} width={48} stroke={COLORS.lr} />}
      {showGradNorm && <YAxis yAxisId="grad" orientation="right" tickFormatter={(v: number) => v.toFixed(2)} tick={tick} width={44} stroke={COLORS.grad} />}
      {band && <ReferenceArea yAxisId="loss" y1={band[0]} y2={band[1]} fill={COLORS.band} fillOpacity={0.08} stroke="none" ifOverflow="hidden" />}
      <StepMarkers markers={markers} />
      <Tooltip
        isAnimationActive={false}
        contentStyle={{ background: '#1c1f24', border: '1px solid #3b414b', fontSize: 12 }}
        labelFormatter={(step) => `Step ${String(step)}`}
        formatter={tooltipNumber}
      />
      <Line yAxisId="loss" dataKey="loss" name="loss" stroke={COLORS.raw} dot={false} strokeWidth={1} isAnimationActive={false} />
      <Line yAxisId="loss" dataKey="smoothed" name="smoothed" stroke={COLORS.smoothed} dot={false} strokeWidth={2} isAnimationActive={false} />
      {showLr && <Line yAxisId="lr" dataKey="lr" name="learning rate" stroke={COLORS.lr} dot={false} strokeWidth={1} isAnimationActive={false} />}
      {showGradNorm && <Line yAxisId="grad" dataKey="gradNorm" name="grad norm" stroke={COLORS.grad} dot={false} strokeWidth={1} isAnimationActive={false} connectNulls />}
    </LineChart>
  );
  if (size) return chart;
  return (
    <ResponsiveContainer width="100%" height="100%">
      {chart}
    </ResponsiveContainer>
  );
});
