import { client } from '../client';
import { useStudio } from './index';
import { onReconnect } from './reconnect';

/** The Train view follows its runs as the worker reports them, and catches up on what it missed while disconnected. */
export function followRunEvents(): () => void {
  const { runChanged, runMetricsArrived, runCheckpointSaved, runSampleWritten, runAlertRaised, runPreparingChanged, refreshRuns } = useStudio.getState();
  const offs = [
    client.on('run-changed', runChanged),
    client.on('run-metrics', runMetricsArrived),
    client.on('run-checkpoint', runCheckpointSaved),
    client.on('run-sample', runSampleWritten),
    client.on('run-alert', runAlertRaised),
    client.on('run-preparing', runPreparingChanged),
    onReconnect(() => {
      void refreshRuns();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
