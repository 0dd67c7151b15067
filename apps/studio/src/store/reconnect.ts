import { client } from '../client';

/** Calls `catchUp` each time the connection comes back after being lost: whatever changed meanwhile is fetched again. */
export function onReconnect(catchUp: () => void): () => void {
  let lost = false;
  return client.onState((state) => {
    if (state !== 'open') lost = true;
    else if (lost) {
      lost = false;
      catchUp();
    }
  });
}
