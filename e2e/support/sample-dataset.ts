import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './paths';

/**
 * Imports the sample style dataset (images with their caption files) into the project at `dir` through the studio's
 * own API socket, from inside the page: a run's test needs a real dataset, not the clicks that pick one.
 * Resolves with how many images the services imported.
 */
export async function importSampleDataset(page: Page, studioUrl: string, dir: string): Promise<number> {
  const url = new URL(studioUrl);
  const socketUrl = `ws://${url.host}/api?token=${encodeURIComponent(url.searchParams.get('token')!)}`;
  const folder = join(repoRoot, 'resources', 'samples', 'style');
  return page.evaluate(
    ({ socketUrl, dir, folder }) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(socketUrl);
        socket.onopen = () => socket.send(JSON.stringify({ kind: 'request', id: 1, name: 'images-import', args: { dir, paths: [folder] } }));
        socket.onerror = () => reject(new Error('The studio API socket failed.'));
        socket.onmessage = (event) => {
          const frame = JSON.parse(String(event.data));
          if (frame.kind !== 'response' || frame.id !== 1) return;
          socket.close();
          if (frame.ok) resolve(frame.result.imported as number);
          else reject(new Error(frame.error.message));
        };
      }),
    { socketUrl, dir, folder },
  );
}
