import type { RunStatus } from '@lora-studio/api';

const labels: Record<RunStatus | 'stopping', string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  finished: 'Finished',
  stopped: 'Stopped',
  failed: 'Failed',
  interrupted: 'Interrupted',
  stopping: 'Stopping',
};

export function StatusPill({ status, testId }: { status: RunStatus | 'stopping'; testId?: string }) {
  return (
    <span className={`status-pill ${status}`} data-status={status} data-testid={testId}>
      {labels[status]}
    </span>
  );
}
