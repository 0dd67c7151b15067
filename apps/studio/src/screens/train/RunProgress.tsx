import type { RunPreparing } from '@lora-studio/api';
import { useStudio } from '../../store';
import { activeStatuses } from '../../store/runs-slice';
import { formatDuration, formatSpeed, runTiming } from './run-timing';
import { StatusPill } from './StatusPill';

/** The worker's getting-ready stage in the user's words, with a count where it has one. */
export function preparingText(p: RunPreparing): string {
  const count = p.done !== undefined && p.total !== undefined ? ` ${p.done.toLocaleString()} of ${p.total.toLocaleString()}` : '';
  switch (p.stage) {
    case 'model':
      return 'Loading the base model…';
    case 'dataset':
      return 'Reading the dataset…';
    case 'prior':
      return `Drawing prior-preservation pictures with the base model:${count}…`;
    case 'encoding':
      return `Encoding images and captions:${count}…`;
    case 'compiling':
      return 'Compiling the training step…';
  }
}

/** Status, "Step X of Y", speed, elapsed time, ETA and memory: the part of the run page that changes at every step. */
export function RunProgress() {
  const run = useStudio((s) => s.runDetail);
  const metrics = useStudio((s) => s.runMetrics);
  const live = useStudio((s) => s.lastLivePoint);
  const stopping = useStudio((s) => s.pendingRunAction === 'stop');
  const preparing = useStudio((s) => s.runPreparing);
  if (!run) return null;
  const step = Math.max(run.step, metrics.at(-1)?.step ?? 0);
  const fraction = run.totalSteps > 0 ? Math.min(1, step / run.totalSteps) : 0;
  const timing = runTiming(metrics, run.totalSteps);
  const active = activeStatuses.includes(run.status);
  const eta = !active ? '—' : run.status === 'queued' ? (run.where.kind === 'queue' ? 'Waiting for a worker' : 'Waiting for the device') : timing.etaMs === null ? 'Estimating…' : formatDuration(timing.etaMs);
  return (
    <div className="run-progress" data-testid="run-progress">
      <div className="run-progress-line">
        <StatusPill status={stopping && active ? 'stopping' : run.status} testId="run-status" />
        <span className="run-step" data-testid="run-step">
          Step {step.toLocaleString()} of {run.totalSteps.toLocaleString()}
        </span>
        <div className="progress-bar" role="progressbar" aria-valuemin={0} aria-valuemax={run.totalSteps} aria-valuenow={step}>
          <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
        </div>
      </div>
      {preparing && step === 0 && run.status === 'running' && (
        <p className="run-preparing" data-testid="run-preparing" role="status">{preparingText(preparing)}</p>
      )}
      <dl className="run-figures">
        <div>
          <dt>Speed</dt>
          <dd data-testid="run-speed">{formatSpeed(timing.stepMs)}</dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd data-testid="run-elapsed">{formatDuration(timing.elapsedMs)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd data-testid="run-eta">{eta}</dd>
        </div>
        <div>
          <dt>Memory</dt>
          <dd data-testid="run-memory">{live?.memoryMb !== undefined && active ? `${live.memoryMb.toLocaleString()} MB` : '—'}</dd>
        </div>
      </dl>
    </div>
  );
}
