import { client } from '../client';
import { useStudio } from './index';
import { onReconnect } from './reconnect';

/**
 * Compare, Generate and Export follow grid cells and generated images as they are made, and the picked run as it
 * gains checkpoints or finishes. After a reconnect the picked run is fetched again: checkpoints may have been saved.
 */
export function followCompareEvents(): () => void {
  const { compareProgressed, generateProgressed, pickedRunChanged, pickedRunCheckpoint } = useStudio.getState();
  const offs = [
    client.on('compare-progress', compareProgressed),
    client.on('generate-progress', generateProgressed),
    client.on('run-changed', pickedRunChanged),
    client.on('run-checkpoint', pickedRunCheckpoint),
    onReconnect(() => {
      const { pickDir, openPickedRuns } = useStudio.getState();
      if (pickDir) void openPickedRuns(pickDir);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
