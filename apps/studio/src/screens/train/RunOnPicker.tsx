import { useEffect } from 'react';
import type { ComputeSettings } from '@lora-studio/api';
import { routeHash } from '../../routing/route';
import { useStudio } from '../../store';
import type { RunOnChoice } from './run-on';

/**
 * "Run on": this machine, or the run queue of Settings → Compute (any worker, or only workers with these labels,
 * e.g. gpu-24gb). Without a queue set up, the queue choices are there but disabled, with the way to set one up.
 */
export function RunOnPicker({ choice, labels, error, disabled, onChoice, onLabels }: {
  choice: RunOnChoice;
  labels: string;
  error: string | undefined;
  disabled: boolean;
  onChoice(choice: RunOnChoice): void;
  onLabels(text: string): void;
}) {
  const compute = useStudio((s) => s.compute);
  const loadCompute = useStudio((s) => s.loadCompute);
  useEffect(() => void loadCompute(), [loadCompute]);
  const queue: Extract<ComputeSettings, { target: 'queue' }> | null = compute?.target === 'queue' ? compute : null;

  return (
    <div className="train-field wide run-on-picker">
      <label className="field-label" htmlFor="train-run-on">
        Run on
      </label>
      <select id="train-run-on" className="input" data-testid="train-run-on" value={choice} disabled={disabled} onChange={(e) => onChoice(e.target.value as RunOnChoice)}>
        <option value="this-machine">This machine</option>
        <option value="queue-any" disabled={!queue}>
          The run queue: any worker
        </option>
        <option value="queue-labels" disabled={!queue}>
          The run queue: workers with these labels
        </option>
      </select>
      {choice === 'queue-labels' && (
        <input
          className="input mono"
          data-testid="train-run-on-labels"
          aria-label="Worker labels"
          value={labels}
          placeholder="gpu-24gb, a100"
          spellCheck={false}
          disabled={disabled}
          onChange={(e) => onLabels(e.target.value)}
        />
      )}
      {error && (
        <span className="train-field-error" role="alert" data-testid="train-run-on-error">
          {error}
        </span>
      )}
      <span className="hint" data-testid="train-run-on-hint">
        {queue ? (
          <>
            Queue "{queue.queueName}" at <span className="mono">{queue.redisUrl}</span>. A worker that cannot fit the run refuses it and it waits for
            one that can. <a href={routeHash({ screen: 'settings' })}>Workers</a>
          </>
        ) : (
          <>
            To train on other machines (a GPU box, a cloud instance), set up a run queue in <a href={routeHash({ screen: 'settings' })}>Settings → Compute</a>.
          </>
        )}
      </span>
    </div>
  );
}
