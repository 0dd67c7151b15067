import { memo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScoreBar } from './scores-series';

const COLORS = { consistency: '#4cc38a', bleed: '#f0605d', nearest: '#6c9cff', overfit: '#e2b340' };
const tick = { fill: '#9aa2ae', fontSize: 11 };

/**
 * Consistency (higher is better), bleed (lower is better) and the distance to the nearest training image (below the
 * dashed line the samples copy training images) per checkpoint, with the base model for reference. Not animated.
 */
export const ScoresChart = memo(function ScoresChart({ bars, overfitBelow }: { bars: ScoreBar[]; overfitBelow: number }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={bars} margin={{ top: 8, right: 8, bottom: 4, left: 4 }} barGap={2}>
        <CartesianGrid stroke="#2d323a" strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={tick} stroke="#3b414b" />
        <YAxis domain={[0, 1]} tick={tick} width={36} stroke="#3b414b" />
        <ReferenceLine y={overfitBelow} stroke={COLORS.overfit} strokeDasharray="4 3" label={{ value: 'overfit below', fill: COLORS.overfit, fontSize: 10, position: 'insideTopRight' }} />
        <Tooltip
          isAnimationActive={false}
          cursor={{ fill: '#ffffff08' }}
          contentStyle={{ background: '#1c1f24', border: '1px solid #3b414b', fontSize: 12 }}
          formatter={(value: unknown) => (typeof value === 'number' ? value.toFixed(3) : String(value))}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="consistency" name="consistency ↑" fill={COLORS.consistency} isAnimationActive={false} />
        <Bar dataKey="bleed" name="bleed ↓" fill={COLORS.bleed} isAnimationActive={false} />
        <Bar dataKey="nearestTraining" name="distance to nearest training image" fill={COLORS.nearest} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
});
