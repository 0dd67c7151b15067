import type { RunSummary } from '@lora-studio/api';
import { placementText } from './run-placement';
import { formatLoss } from './run-timing';
import { StatusPill } from './StatusPill';

/** The project's runs, newest first, with what tells them apart: status, progress, final loss, best checkpoint. */
export function RunList({ runs, openRunId, onOpen }: { runs: RunSummary[]; openRunId: number | null; onOpen(runId: number | null): void }) {
  return (
    <nav className="run-list" aria-label="Runs" data-testid="run-list">
      <button type="button" className={`button${openRunId === null ? ' primary' : ''}`} onClick={() => onOpen(null)} data-testid="new-run">
        New run
      </button>
      {runs.length === 0 && <p className="empty-note">No runs yet.</p>}
      <ul>
        {runs.map((run) => (
          <li key={run.id}>
            <button
              type="button"
              className={`run-row${run.id === openRunId ? ' active' : ''}`}
              aria-current={run.id === openRunId ? 'true' : undefined}
              onClick={() => onOpen(run.id)}
              data-testid="run-row"
              data-run-id={run.id}
            >
              <span className="run-row-head">
                <span className="run-row-name">{run.name}</span>
                <StatusPill status={run.status} testId="run-row-status" />
              </span>
              <span className="run-row-meta mono" data-testid="run-row-progress">
                {run.step.toLocaleString()}/{run.totalSteps.toLocaleString()} steps · loss {formatLoss(run.finalLoss)}
              </span>
              <span className="run-row-meta run-row-where" data-testid="run-row-where" data-where={run.where.kind}>
                {placementText(run)}
              </span>
              <span className="run-row-meta">{run.bestCheckpointStep !== null ? `Best checkpoint: step ${run.bestCheckpointStep.toLocaleString()}` : 'No best checkpoint picked'}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
