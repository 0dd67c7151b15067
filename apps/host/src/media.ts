import type { StudioContext } from '@lora-studio/core';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { confinedPathOrUndefined } from '@lora-studio/store';
import { sendFile } from './static-files';

/**
 * GET /media?project=<dir>&path=<relative file>: thumbnails, originals and samples of a project the studio knows.
 * Only folders in the recent-projects list are served, and only files whose real path (links followed) is inside them.
 */
export function serveMedia(query: URLSearchParams, res: ServerResponse, ctx: StudioContext, headers: Record<string, string>): void {
  const project = query.get('project');
  const rel = query.get('path');
  const known = project ? ctx.app.recentProjects().find((p) => resolve(p.dir) === resolve(project)) : undefined;
  const file = known && rel ? confinedPathOrUndefined(known.dir, rel) : undefined;
  if (!file || !sendFile(res, file, { ...headers, 'cache-control': 'private, max-age=3600' })) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('No such file in this project.\n');
  }
}
