import { imageFlagIds, type DatasetHealth } from '@lora-studio/api';
import { loraTypeGuide } from '../../guide';
import { useStudio } from '../../store';
import { flagLabels } from './flag-labels';

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** The dataset against the guide: image count for the LoRA type, resolution, and every warning with its images. */
export function HealthPanel({ health }: { health: DatasetHealth }) {
  const focusImages = useStudio((s) => s.focusImages);
  const setDatasetQuery = useStudio((s) => s.setDatasetQuery);
  const focus = useStudio((s) => s.datasetFocus);
  const query = useStudio((s) => s.datasetQuery);
  const { count, resolution } = health;
  const flagged = imageFlagIds.filter((id) => health.flagCounts[id] > 0);
  const scaleMax = Math.max(count.optimalHigh * 1.25, health.included);
  const at = (n: number) => `${Math.min(100, (n / scaleMax) * 100)}%`;

  return (
    <aside className="health-panel" data-testid="health-panel" aria-labelledby="health-title">
      <h3 id="health-title">Dataset health</h3>
      <p className="health-subtitle">For a {loraTypeGuide[health.loraType].label.toLowerCase()} LoRA</p>

      <div className={`health-count ${count.status}`} data-testid="health-count" data-status={count.status}>
        <div className="health-count-number">
          <strong>{health.included}</strong> included
          {health.excluded > 0 && (
            <button type="button" className="link-button" onClick={() => setDatasetQuery({ show: 'excluded' })}>
              {health.excluded} excluded
            </button>
          )}
        </div>
        <div className="count-band" aria-hidden="true">
          <div className="count-band-optimal" style={{ left: at(count.optimalLow), width: `calc(${at(count.optimalHigh)} - ${at(count.optimalLow)})` }} />
          <div className="count-band-minimum" style={{ left: at(count.minimum) }} />
          <div className="count-band-marker" style={{ left: at(health.included) }} />
        </div>
        <p className="health-count-message">{count.message}</p>
      </div>

      <dl className="health-resolution" data-testid="health-resolution">
        <dt>Below 512 px</dt>
        <dd>{percent(resolution.belowMinimumShare)}</dd>
        <dt>Below 1024 px</dt>
        <dd>{percent(resolution.belowPreferredShare)}</dd>
        <dt>Median short side</dt>
        <dd>{resolution.medianShortSide} px</dd>
      </dl>
      {health.pendingAnalysis > 0 && (
        <p className="health-note">Text and face checks have not run yet on {health.pendingAnalysis} image{health.pendingAnalysis === 1 ? '' : 's'}.</p>
      )}

      {flagged.length > 0 && (
        <div className="health-flags">
          {flagged.map((id) => (
            <button
              key={id}
              type="button"
              className={`health-flag${query.flag === id ? ' active' : ''}`}
              aria-pressed={query.flag === id}
              onClick={() => setDatasetQuery({ flag: query.flag === id ? null : id })}
              data-testid={`health-flag-${id}`}
            >
              <span className={`flag-badge ${flagLabels[id].severity}`}>{flagLabels[id].badge}</span>
              {flagLabels[id].name} <span className="health-flag-count">{health.flagCounts[id]}</span>
            </button>
          ))}
        </div>
      )}

      <h4>Warnings</h4>
      {health.warnings.length === 0 ? (
        <p className="health-ok" data-testid="health-no-warnings">
          Nothing to warn about{health.total > 0 ? '' : ' yet'}.
        </p>
      ) : (
        <ul className="health-warnings">
          {health.warnings.map((warning, i) => {
            const active = focus?.label === warning.message;
            return (
              <li key={`${warning.id}-${i}`} className={`health-warning ${warning.severity}`} data-testid="health-warning" data-warning={warning.id}>
                <p>{warning.message}</p>
                {warning.imageIds.length > 0 && (
                  <button
                    type="button"
                    className={`link-button${active ? ' active' : ''}`}
                    aria-pressed={active}
                    onClick={() => focusImages(active ? null : { label: warning.message, ids: warning.imageIds })}
                    data-testid="health-warning-show"
                  >
                    {active ? 'Show all images' : `Show ${warning.imageIds.length === 1 ? 'this image' : `these ${warning.imageIds.length} images`}`}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </aside>
  );
}
