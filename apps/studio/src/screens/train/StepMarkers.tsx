import { usePlotArea, useXAxisScale } from 'recharts';

export interface StepMarker {
  step: number;
  kind: 'checkpoint' | 'alert';
}

const stroke = { checkpoint: '#4cc38a', alert: '#f0605d' };

/**
 * Vertical lines at checkpoint and alert steps, drawn inside the chart as one SVG group. A run saves hundreds of
 * checkpoints; as ReferenceLines each would be a chart element of its own, recomputed at every update.
 */
export function StepMarkers({ markers }: { markers: StepMarker[] }) {
  const x = useXAxisScale();
  const area = usePlotArea();
  if (!x || !area || markers.length === 0) return null;
  const left = area.x;
  const right = area.x + area.width;
  return (
    <g className="step-markers" pointerEvents="none">
      {markers.map((m) => {
        const px = x(m.step);
        if (px === undefined || !Number.isFinite(px) || px < left - 0.5 || px > right + 0.5) return null;
        return (
          <line
            key={`${m.kind}${m.step}`}
            x1={px}
            x2={px}
            y1={area.y}
            y2={area.y + area.height}
            stroke={stroke[m.kind]}
            strokeWidth={m.kind === 'alert' ? 1.5 : 1}
            strokeDasharray={m.kind === 'checkpoint' ? '2 3' : undefined}
            strokeOpacity={m.kind === 'checkpoint' ? 0.7 : 1}
            data-marker={m.kind}
          />
        );
      })}
    </g>
  );
}
