import { useEffect, useState } from 'react';
import { describeArtifactLocation, notSignedNote } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { lastAnswered, workerDoing, workerMemory } from './worker-text';

/** Workers answer every 2 s; asking as often keeps "last answered" and what each trains current. */
const POLL_MS = 2000;

/** The run queue's workers: who they are, what each trains, and when each last answered. */
export function WorkersPanel() {
  const compute = useStudio((s) => s.compute);
  const workers = useStudio((s) => s.workers);
  const notSigned = useStudio((s) => s.workersNotSigned);
  const loaded = useStudio((s) => s.workersLoaded);
  const error = useStudio((s) => s.workersError);
  const loadWorkers = useStudio((s) => s.loadWorkers);
  const [now, setNow] = useState(() => Date.now());
  const onQueue = compute?.target === 'queue';

  useEffect(() => {
    if (!onQueue) return;
    const tick = () => {
      setNow(Date.now());
      void loadWorkers();
    };
    tick();
    const timer = setInterval(tick, POLL_MS);
    return () => clearInterval(timer);
  }, [onQueue, loadWorkers]);

  return (
    <section className="panel workers-panel" data-testid="workers-panel">
      <h2 className="panel-title">Workers</h2>
      {!onQueue ? (
        <p className="empty-note">Runs train on this machine. Choose a run queue under Compute to see the workers that take its runs.</p>
      ) : (
        <>
          <ErrorMessage message={error} testId="workers-error" />
          {loaded && workers.length === 0 && !error && (
            <p className="empty-note" data-testid="workers-empty">
              No worker answers on the queue "{compute.queueName}". Start one on a machine that reaches Redis:{' '}
              <code>LORA_STUDIO_QUEUE_SECRET=… lora-studio worker --redis URL --queue-name {compute.queueName}</code>
            </p>
          )}
          <ul className="divided-list">
            {workers.map((w) => (
              <li key={w.name} data-testid="worker-row" data-worker={w.name}>
                <div className="worker-row-head">
                  <span className="worker-name">{w.name}</span>
                  <span className="hint">{w.host}</span>
                  {w.labels.map((label) => (
                    <span key={label} className="tag">
                      {label}
                    </span>
                  ))}
                  <span className="worker-answered hint" data-testid="worker-answered" title={w.heartbeatAt}>
                    answered {lastAnswered(w.heartbeatAt, now)}
                  </span>
                </div>
                <p className="worker-doing" data-testid="worker-doing">
                  {workerDoing(w)}
                </p>
                <p className="worker-meta hint">
                  {w.device} · {workerMemory(w)} · {w.concurrency} run{w.concurrency === 1 ? '' : 's'} at once · v{w.version}
                  {w.files && <span data-testid="worker-files"> · files in {describeArtifactLocation(w.files)}</span>}
                </p>
              </li>
            ))}
          </ul>
          {notSigned > 0 && (
            <p className="hint" data-testid="workers-not-signed">
              {notSignedNote(notSigned)}
            </p>
          )}
        </>
      )}
    </section>
  );
}
