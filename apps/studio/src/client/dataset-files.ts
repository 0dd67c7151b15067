import type { ImportSummary, ResponseFrame } from '@lora-studio/api';
import { RequestFailed } from './client';

/**
 * Where the renderer gets a project's image files from, and how a user's files reach the project: the one place
 * that differs between the desktop app (files on the same machine, `lora-media:` protocol) and browser mode
 * (HTTP upload to the host, `/media` route). Everything else calls these and does not care which it is.
 */

/** Desktop: the preload bridge is present and the services read the user's files where they lie. */
export function importsByPath(): boolean {
  return window.loraStudio !== undefined;
}

/** The URL of a project file (thumbnail, original); `path` is relative to the project folder. */
export function mediaUrl(projectDir: string, path: string): string {
  const query = `project=${encodeURIComponent(projectDir)}&path=${encodeURIComponent(path)}`;
  return importsByPath() ? `lora-media://media?${query}` : `/media?${query}`;
}

/** The file's path on this machine (desktop only); null where the platform does not say. */
export function localPath(file: File): string | null {
  const fromBridge = window.loraStudio?.pathForFile?.(file);
  if (fromBridge) return fromBridge;
  // Older Electron versions put the path on the File itself.
  const legacy = (file as File & { path?: unknown }).path;
  return typeof legacy === 'string' && legacy !== '' ? legacy : null;
}

/**
 * Browser mode: sends one file to the host's upload route (the page's cookie authorises it), which imports it
 * through `images-import`. `onProgress` gets the bytes sent so far. Rejects with a RequestFailed in the services'
 * words, or an AbortError when `signal` fires.
 */
export function uploadImage(
  projectDir: string,
  file: File,
  importId: string,
  onProgress: (sentBytes: number) => void,
  signal: AbortSignal,
): Promise<ImportSummary> {
  const query = `dir=${encodeURIComponent(projectDir)}&name=${encodeURIComponent(file.name)}&importId=${encodeURIComponent(importId)}`;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('The import was cancelled.', 'AbortError'));
      return;
    }
    const request = new XMLHttpRequest();
    request.open('POST', `/upload?${query}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.upload.onprogress = (event) => onProgress(event.loaded);
    const onAbort = () => request.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal.removeEventListener('abort', onAbort);
    request.onabort = () => {
      settle();
      reject(new DOMException('The import was cancelled.', 'AbortError'));
    };
    request.onerror = () => {
      settle();
      reject(new RequestFailed({ code: 'unavailable', message: `${file.name} could not be sent: the studio did not answer. Check that it is still running, then add the file again.` }));
    };
    request.onload = () => {
      settle();
      let frame: ResponseFrame;
      try {
        frame = JSON.parse(request.responseText) as ResponseFrame;
      } catch {
        reject(new RequestFailed({ code: 'internal', message: `The studio answered the upload of ${file.name} with HTTP ${request.status} and no result. Try again.` }));
        return;
      }
      if (frame.ok) resolve(frame.result as ImportSummary);
      else reject(new RequestFailed(frame.error));
    };
    request.send(file);
  });
}
