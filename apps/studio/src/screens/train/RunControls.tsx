import { useState } from 'react';
import type { RunDetail } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import type { RunActionKind } from '../../store/runs-slice';

const pendingLabels: Record<RunActionKind, string> = {
  pause: 'Pausing at the next step…',
  resume: 'Resuming…',
  stop: 'Stopping…',
  save: 'Saving a checkpoint at the next step…',
  sample: 'Sampling at the next step…',
};

/** Pause, resume, stop, save now and sample now; one action at a time, shown until the run reports it done. */
export function RunControls({ run }: { run: RunDetail }) {
  const pending = useStudio((s) => s.pendingRunAction);
  const error = useStudio((s) => s.runActionError);
  const runAction = useStudio((s) => s.runAction);
  const [sampling, setSampling] = useState(false);
  const [prompt, setPrompt] = useState(run.config.samplePrompts[0] ?? '');
  const [seed, setSeed] = useState('');

  const busy = pending !== null;
  const status = run.status;
  const resumable = status === 'interrupted' || status === 'stopped' || status === 'failed';
  const seedValue = seed.trim() === '' ? undefined : Number(seed);
  const seedValid = seedValue === undefined || (Number.isInteger(seedValue) && seedValue >= 0);

  return (
    <div className="run-controls" data-testid="run-controls">
      <div className="run-buttons">
        {status === 'running' && (
          <button type="button" className="button" disabled={busy} onClick={() => void runAction('pause')} data-testid="run-pause">
            Pause
          </button>
        )}
        {(status === 'paused' || resumable) && (
          <button type="button" className="button primary" disabled={busy} onClick={() => void runAction('resume')} data-testid="run-resume">
            {resumable ? 'Resume from the last checkpoint' : 'Resume'}
          </button>
        )}
        {status === 'running' && (
          <>
            <button type="button" className="button" disabled={busy} onClick={() => void runAction('save')} data-testid="run-save-now">
              Save now
            </button>
            <button type="button" className="button" disabled={busy} aria-expanded={sampling} onClick={() => setSampling((s) => !s)} data-testid="run-sample-toggle">
              Sample now…
            </button>
          </>
        )}
        {(status === 'running' || status === 'paused' || status === 'queued') && (
          <button type="button" className="button danger" disabled={busy} onClick={() => void runAction('stop')} data-testid="run-stop">
            {pending === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
        )}
        {pending && pending !== 'stop' && (
          <span className="run-pending" role="status" data-testid="run-pending">
            <span className="spinner" aria-hidden="true" /> {pendingLabels[pending]}
          </span>
        )}
      </div>
      {sampling && status === 'running' && (
        <form
          className="sample-now"
          onSubmit={(e) => {
            e.preventDefault();
            if (prompt.trim() === '' || !seedValid) return;
            setSampling(false);
            void runAction('sample', { prompt: prompt.trim(), ...(seedValue !== undefined ? { seed: seedValue } : {}) });
          }}
        >
          <input className="input" value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="A prompt with the trigger word" aria-label="Sample prompt" data-testid="sample-now-prompt" />
          <input className="input mono seed" value={seed} onChange={(e) => setSeed(e.target.value)} placeholder="seed" aria-label="Seed (optional)" aria-invalid={seedValid ? undefined : true} data-testid="sample-now-seed" />
          <button type="submit" className="button primary" disabled={busy || prompt.trim() === '' || !seedValid} data-testid="sample-now-submit">
            Sample
          </button>
        </form>
      )}
      {run.message && <p className={`run-message ${status}`} data-testid="run-message">{run.message}</p>}
      <ErrorMessage message={error} testId="run-action-error" />
    </div>
  );
}
