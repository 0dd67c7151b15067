import { client } from '../client';
import { followCaptionEvents } from './captions-events';
import { followCompareEvents } from './compare-events';
import { followDatasetEvents } from './dataset-events';
import { followModelEvents } from './models-events';
import { followRunEvents } from './runs-events';
import { useStudio } from './index';
import { onReconnect } from './reconnect';

/**
 * Keeps the store in step with the services: pushed events and reconnects call the same actions the UI does.
 * Another window or the CLI may change projects while this one is open.
 */
export function followServerEvents(): () => void {
  const { loadAppInfo, loadProjects, setConnection, refreshOpenProject } = useStudio.getState();
  const offChanged = client.on('projects-changed', () => {
    void loadProjects().then(refreshOpenProject);
  });
  const offState = client.onState(setConnection);
  // Whatever changed while disconnected (the host restarted, the CLI ran) is fetched again.
  const offReconnect = onReconnect(() => {
    void loadAppInfo();
    void loadProjects().then(refreshOpenProject);
  });
  const offCaptions = followCaptionEvents();
  const offDataset = followDatasetEvents();
  const offRuns = followRunEvents();
  const offCompare = followCompareEvents();
  const offModels = followModelEvents();
  void loadAppInfo();
  void loadProjects();
  return () => {
    offCaptions();
    offDataset();
    offRuns();
    offCompare();
    offModels();
    offChanged();
    offState();
    offReconnect();
  };
}
