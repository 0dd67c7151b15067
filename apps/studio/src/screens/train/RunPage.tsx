import type { Project } from '@lora-studio/api';
import { useStudio } from '../../store';
import { activeStatuses } from '../../store/runs-slice';
import { LossPanel } from './LossPanel';
import { RunControls } from './RunControls';
import { RunProgress } from './RunProgress';
import { SamplesGrid } from './SamplesGrid';
import { placementText } from './run-placement';
import { formatLoss } from './run-timing';

/** One run, live or finished: progress, controls, loss curve and samples. */
export function RunPage({ project, runId }: { project: Project; runId: number }) {
  const run = useStudio((s) => (s.runDetail?.id === runId ? s.runDetail : null));
  const error = useStudio((s) => s.runActionError);
  if (!run) {
    return (
      <div className="run-page" data-testid="run-page" aria-busy="true">
        {error ? <p className="error-message">{error}</p> : <p className="loading">Loading the run…</p>}
      </div>
    );
  }
  const c = run.config;
  return (
    <div className="run-page" data-testid="run-page" data-run-id={run.id}>
      <header className="run-header">
        <h2>{run.name}</h2>
        <span className="run-where" data-testid="run-where" data-where={run.where.kind}>
          {placementText(run)}
        </span>
        <span className="hint mono">
          {c.type} · rank {c.rank}/α {c.alpha} · lr {c.lr} ({c.scheduler}) · batch {c.batchSize}×{c.gradAccum} · {c.resolution}px · base {run.baseModel}
        </span>
        <span className="hint">
          {activeStatuses.includes(run.status) ? '' : `Final loss ${formatLoss(run.finalLoss)} · `}
          {run.checkpoints.length} checkpoint{run.checkpoints.length === 1 ? '' : 's'}
          {run.bestCheckpointStep !== null ? ` · best: step ${run.bestCheckpointStep}` : ''}
        </span>
      </header>
      <RunProgress />
      <RunControls key={run.id} run={run} />
      <LossPanel dir={project.dir} runId={run.id} type={c.type} baseModel={run.baseModel} />
      <SamplesGrid dir={project.dir} />
    </div>
  );
}
