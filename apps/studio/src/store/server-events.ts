import { client } from '../client';
import { followCaptionEvents } from './captions-events';
import { followCompareEvents } from './compare-events';
import { followDatasetEvents } from './dataset-events';
import { followRunEvents } from './runs-events';
import { useStudio } from './index';

/**
 * Keeps the store in step with the services: pushed events and reconnects call the same actions the UI does.
 * Another window or the CLI may change projects while this one is open.
 */
export function followServerEvents(): () => void {
  const { loadAppInfo, loadProjects, setConnection, refreshOpenProject } = useStudio.getState();
  const offChanged = client.on('projects-changed', () => {
    void loadProjects().then(refreshOpenProject);
  });
  let lost = false;
  const offState = client.onState((state) => {
    setConnection(state);
    if (state !== 'open') lost = true;
    // Whatever changed while disconnected (the host restarted, the CLI ran) is fetched again.
    else if (lost) {
      lost = false;
      void loadAppInfo();
      void loadProjects().then(refreshOpenProject);
    }
  });
  const offCaptions = followCaptionEvents();
  const offDataset = followDatasetEvents();
  const offRuns = followRunEvents();
  const offCompare = followCompareEvents();
  void loadAppInfo();
  void loadProjects();
  return () => {
    offCaptions();
    offDataset();
    offRuns();
    offCompare();
    offChanged();
    offState();
  };
}
