import type { RunCheckpoint } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { ProgressBar } from './ProgressBar';
import { ScoresChart } from './ScoresChart';
import { scoreBars, scoreMethod } from './scores-series';

/** Automatic scores per checkpoint, the suggested best, and the favourite the user marks (what Export proposes). */
export function ScoresPanel({ checkpoints }: { checkpoints: RunCheckpoint[] }) {
  const scores = useStudio((s) => s.compareScores);
  const scoring = useStudio((s) => s.scoring);
  const progress = useStudio((s) => s.scoreProgress);
  const error = useStudio((s) => s.scoresError);
  const scoreCheckpoints = useStudio((s) => s.scoreCheckpoints);
  const markFavourite = useStudio((s) => s.markFavourite);
  const saving = useStudio((s) => s.favouriteSaving);
  const favouriteError = useStudio((s) => s.favouriteError);
  const steps = [...checkpoints].sort((a, b) => a.step - b.step);
  const overall = new Map(scores?.checkpoints.map((c) => [c.step, c]) ?? []);

  return (
    <section className="scores-panel panel" aria-labelledby="scores-title" data-testid="scores-panel">
      <div className="scores-head">
        <h3 id="scores-title" className="panel-title">
          Checkpoint scores
        </h3>
        <button type="button" className="button" onClick={() => void scoreCheckpoints()} disabled={scoring || steps.length === 0} data-testid="score-checkpoints">
          {scoring ? 'Scoring…' : scores ? 'Score again' : 'Score checkpoints'}
        </button>
      </div>
      {scoring && progress && <ProgressBar progress={progress} label={`Rendering score samples: ${progress.done} of ${progress.total}`} testId="score-progress" />}
      <ErrorMessage message={error} testId="scores-error" />
      {scores ? (
        <>
          <p className="scores-best" data-testid="scores-best" data-step={scores.best ?? ''}>
            {scores.best !== null ? (
              <>
                Suggested: <strong>step {scores.best.toLocaleString()}</strong> — the most consistent with the least bleed.
              </>
            ) : (
              'No checkpoint stands out yet.'
            )}
          </p>
          <div className="scores-chart" data-testid="scores-chart">
            <ScoresChart bars={scoreBars(scores)} overfitBelow={scores.overfitBelow} />
          </div>
          <p className="hint">
            {scoreMethod(scores)} Bleed: how much prompts without the trigger change with the LoRA. Samples closer to a training image than the
            dashed line copy it (overfit). Scored at LoRA scale {scores.scale}, seed {scores.seed}.
          </p>
        </>
      ) : (
        !scoring && <p className="hint">Not scored yet. Scoring renders the 5 wild prompts with and without the trigger word for every checkpoint.</p>
      )}

      <ul className="favourite-list" aria-label="Favourite checkpoint">
        {steps.map((c) => {
          const s = overall.get(c.step);
          return (
            <li key={c.step}>
              <span className="mono">step {c.step.toLocaleString()}</span>
              {s && (
                <span className="hint mono">
                  overall {s.overall.toFixed(3)}
                  {s.overfit ? ' · overfit' : ''}
                </span>
              )}
              <button
                type="button"
                className={`button${c.favourite ? ' primary' : ''}`}
                aria-pressed={c.favourite}
                disabled={saving}
                onClick={() => {
                  if (!c.favourite) void markFavourite(c.step);
                }}
                data-testid={`favourite-${c.step}`}
              >
                {c.favourite ? '★ Favourite' : 'Mark as favourite'}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorMessage message={favouriteError} testId="favourite-error" />
    </section>
  );
}
