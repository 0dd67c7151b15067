import { client } from '../client';
import { useStudio } from './index';
import { onReconnect } from './reconnect';

/** Hub downloads report their progress as events; the library may have changed while disconnected. */
export function followModelEvents(): () => void {
  const { downloadProgressed } = useStudio.getState();
  const offs = [
    client.on('model-download-progress', downloadProgressed),
    onReconnect(() => {
      if (useStudio.getState().modelsLoaded) void useStudio.getState().loadModels();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
