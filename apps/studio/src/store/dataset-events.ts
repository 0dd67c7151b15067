import { client } from '../client';
import { useStudio } from './index';
import { onReconnect } from './reconnect';

/**
 * The Dataset view follows imports (its own uploads, another window, the CLI), exclusions made elsewhere, a
 * changed LoRA type (the health report's bands depend on it), and whatever happened while the connection was down.
 */
export function followDatasetEvents(): () => void {
  const { datasetChanged, importProgressed, reloadDataset } = useStudio.getState();
  const offs = [
    client.on('images-changed', ({ dir }) => datasetChanged(dir)),
    client.on('import-progress', importProgressed),
    client.on('projects-changed', ({ dir }) => {
      if (dir === null) void reloadDataset();
      else datasetChanged(dir);
    }),
    onReconnect(() => {
      void reloadDataset();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
