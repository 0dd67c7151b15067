import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { LoraType } from '@lora-studio/api';
import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../store';
import { loadChartSettings, saveChartSettings, type ChartSettings } from './chart-settings';
import { LossChart } from './LossChart';
import { lossCurve } from './loss-series';
import { healthyLossText, typicalFinalLossFor } from './training-fields';

/** The open run's loss chart with its controls and the guide's expectations; re-renders on new steps, nothing else does. */
export function LossPanel({ dir, runId, type, baseModel }: { dir: string; runId: number; type: LoraType; baseModel: string }) {
  const metrics = useStudio((s) => s.runMetrics);
  const checkpointSteps = useStudio(useShallow((s) => s.runDetail?.checkpoints.map((c) => c.step) ?? []));
  const alerts = useStudio((s) => s.runDetail?.alerts);
  const [settings, setSettings] = useState<ChartSettings>(() => loadChartSettings(dir, runId));

  useEffect(() => setSettings(loadChartSettings(dir, runId)), [dir, runId]);
  const change = (patch: Partial<ChartSettings>) =>
    setSettings((s) => {
      const next = { ...s, ...patch };
      saveChartSettings(dir, runId, next);
      return next;
    });

  // The chart redraws in the background: the controls stay responsive while a 100,000-step curve is redrawn.
  const shownMetrics = useDeferredValue(metrics);
  const data = useMemo(() => lossCurve(shownMetrics, settings.smoothing), [shownMetrics, settings.smoothing]);
  const band = typicalFinalLossFor(type, baseModel);
  const chip = (key: 'showLr' | 'showGradNorm' | 'logY', label: string) => (
    <button type="button" className={`chip${settings[key] ? ' on' : ''}`} aria-pressed={settings[key]} onClick={() => change({ [key]: !settings[key] })} data-testid={`chart-${key}`}>
      {label}
    </button>
  );

  return (
    <section className="loss-panel" aria-label="Loss" data-testid="loss-panel">
      <div className="loss-toolbar">
        <h3>Loss</h3>
        <label className="smoothing">
          Smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={settings.smoothing}
            onChange={(e) => change({ smoothing: Number(e.target.value) })}
            data-testid="chart-smoothing"
          />
          <span className="mono">{Math.round(settings.smoothing * 100)}%</span>
        </label>
        {chip('showLr', 'Learning rate')}
        {chip('showGradNorm', 'Grad norm')}
        {chip('logY', 'Log Y')}
      </div>
      <p className="hint loss-expectation">
        {healthyLossText}
        {band && ` Typical final loss for ${type} LoRAs: ${band[0]}–${band[1]} (shaded; FLUX.2-class models, others differ).`}
      </p>
      <div className="loss-chart" data-testid="loss-chart" data-points={metrics.length} data-last-step={metrics.at(-1)?.step ?? 0}>
        {metrics.length === 0 ? (
          <p className="empty-note">The curve starts with the first step.</p>
        ) : (
          <LossChart data={data} showLr={settings.showLr} showGradNorm={settings.showGradNorm} logY={settings.logY} checkpointSteps={checkpointSteps} alerts={alerts ?? []} band={band} />
        )}
      </div>
      {alerts && alerts.length > 0 && (
        <ul className="loss-alerts" data-testid="loss-alerts">
          {alerts.map((a) => (
            <li key={`${a.kind}${a.step}`}>
              <span className="tag warning">{a.kind === 'plateau' ? 'Plateau' : 'Rising'}</span> step {a.step}: {a.message}
            </li>
          ))}
        </ul>
      )}
      <p className="loss-legend hint">
        <span className="legend raw" /> loss <span className="legend smoothed" /> smoothed <span className="legend checkpoint" /> checkpoint <span className="legend alert" /> alert
      </p>
    </section>
  );
}
