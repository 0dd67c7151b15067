import type { StudioContext } from '@lora-studio/core';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { safeJoin, sendFile } from './static-files';

/**
 * GET /media?project=<dir>&path=<relative file>: thumbnails, originals and samples of a project the studio knows.
 * Only folders in the recent-projects list are served, and only files inside them.
 */
export function serveMedia(url: URL, res: ServerResponse, ctx: StudioContext, headers: Record<string, string>): void {
  const project = url.searchParams.get('project');
  const rel = url.searchParams.get('path');
  const known = project !== null && ctx.app.recentProjects().some((p) => resolve(p.dir) === resolve(project));
  const file = known && rel ? safeJoin(project, rel) : undefined;
  if (!file || !sendFile(res, file, { ...headers, 'cache-control': 'private, max-age=3600' })) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('No such file in this project.\n');
  }
}
