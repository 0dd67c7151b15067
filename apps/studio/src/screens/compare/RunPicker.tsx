import type { RunSummary } from '@lora-studio/api';
import { useStudio } from '../../store';

const statusWords: Record<RunSummary['status'], string> = {
  queued: 'queued', running: 'training', paused: 'paused', finished: 'finished', stopped: 'stopped', failed: 'failed', interrupted: 'interrupted',
};

/** The run whose checkpoints Compare, Generate and Export use; one pick shared by the three views. */
export function RunPicker({ testId = 'run-picker' }: { testId?: string }) {
  const runs = useStudio((s) => s.pickRuns);
  const pickedRunId = useStudio((s) => s.pickedRunId);
  const pickRun = useStudio((s) => s.pickRun);
  return (
    <label className="run-picker">
      <span className="field-label">Run</span>
      <select className="input" value={pickedRunId ?? ''} onChange={(e) => void pickRun(Number(e.target.value))} data-testid={testId}>
        {pickedRunId === null && <option value="">Choose a run</option>}
        {runs.map((run) => (
          <option key={run.id} value={run.id}>
            {run.name} — {statusWords[run.status]}, {run.step.toLocaleString()}/{run.totalSteps.toLocaleString()} steps
          </option>
        ))}
      </select>
    </label>
  );
}
