import { client } from '../client';
import { useStudio } from './index';
import { onReconnect } from './reconnect';

/**
 * The Captions view follows edits made elsewhere (another window, the CLI, an auto-caption job, imports into the
 * dataset, a new trigger word in the project settings) and whatever happened while the connection was down.
 */
export function followCaptionEvents(): () => void {
  const { reloadCaptions, applyAutoCaptionProgress } = useStudio.getState();
  const isOpen = (dir: string | null) => {
    const s = useStudio.getState();
    return s.captionsDir !== null && (dir === null || dir === s.captionsDir || dir === s.project?.dir);
  };
  const offs = [
    client.on('captions-changed', ({ dir }) => {
      if (isOpen(dir)) void reloadCaptions();
    }),
    client.on('images-changed', ({ dir }) => {
      if (isOpen(dir)) void reloadCaptions();
    }),
    client.on('projects-changed', ({ dir }) => {
      if (isOpen(dir)) void reloadCaptions();
    }),
    client.on('captions-auto-progress', applyAutoCaptionProgress),
    onReconnect(() => {
      if (isOpen(null)) void reloadCaptions();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
