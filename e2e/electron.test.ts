import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestFrame, ServerFrame } from '@lora-studio/api';
import { _electron, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildDesktopBundle, desktopDir, electronUnavailable } from './support/electron';
import { repoRoot } from './support/paths';
import { screenshot } from './support/screenshot';
import { ensureStudioBuilt } from './support/studio-build';
import { createProject, goToProjects, projectRow, renameInList, waitForConnected } from './support/studio-ui';

const electron = electronUnavailable();

/**
 * One request through the renderer's own path (preload bridge → main → services), as the app's client sends it. Ids
 * start far above the client's own, so neither side takes the other's answer.
 */
let nextId = 1_000_000;
async function callThroughBridge<T>(page: Page, name: string, args: unknown): Promise<T> {
  const id = nextId++;
  return page.evaluate(
    ({ id, name, args }) =>
      new Promise<T>((resolve, reject) => {
        // The preload's bridge (apps/studio/src/client/bridge.ts), typed here by the frames it carries.
        const bridge = (window as unknown as { loraStudio: { send(f: RequestFrame): void; onFrame(cb: (f: ServerFrame) => void): () => void } }).loraStudio;
        const off = bridge.onFrame((frame) => {
          if (frame.kind !== 'response' || frame.id !== id) return;
          off();
          if (frame.ok) resolve(frame.result as T);
          else reject(new Error(frame.error.message));
        });
        bridge.send({ kind: 'request', id, name, args } as RequestFrame);
      }),
    { id, name, args },
  );
}

async function callUntil<T>(page: Page, name: string, args: unknown, done: (result: T) => boolean): Promise<T> {
  for (;;) {
    const result = await callThroughBridge<T>(page, name, args);
    if (done(result)) return result;
    await new Promise((r) => setTimeout(r, 500));
  }
}
const skipReason = 'reason' in electron ? electron.reason : '';

describe('Projects in the desktop app (Electron)', () => {
  it.skipIf(skipReason !== '')(`creates, reloads, opens and renames a project${skipReason ? ` — skipped: ${skipReason}` : ''}`, async () => {
    if (!('binary' in electron)) return;
    ensureStudioBuilt();
    buildDesktopBundle();
    const home = mkdtempSync(join(tmpdir(), 'lora-e2e-desktop-'));
    const app = await _electron.launch({
      executablePath: electron.binary,
      args: [desktopDir],
      env: { ...process.env, LORA_STUDIO_HOME: home },
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('projects-screen').waitFor();
      await waitForConnected(page);
      // The renderer must be on the IPC transport here, not on a WebSocket.
      expect(await page.evaluate(() => 'loraStudio' in window)).toBe(true);

      await createProject(page, { name: 'Desktop project', trigger: 'dskx' });
      await goToProjects(page);
      await page.reload();
      await projectRow(page, 'Desktop project').waitFor();
      await screenshot(page, 'projects-desktop');
      await projectRow(page, 'Desktop project').getByTestId('project-open').click();
      await page.getByTestId('project-name').filter({ hasText: 'Desktop project' }).waitFor();
      await goToProjects(page);
      await renameInList(page, 'Desktop project', 'Desktop project, renamed');
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  // The packaged layout's risks: the analysis thread and the training worker are separate bundled files started by
  // the services process (Electron running as Node for the worker), and the default model is read from resources/.
  it.skipIf(skipReason !== '')(`analyses imported images and trains a short run on the default model${skipReason ? ` — skipped: ${skipReason}` : ''}`, async () => {
    if (!('binary' in electron)) return;
    ensureStudioBuilt();
    buildDesktopBundle();
    const home = mkdtempSync(join(tmpdir(), 'lora-e2e-desktop-train-'));
    const app = await _electron.launch({ executablePath: electron.binary, args: [desktopDir], env: { ...process.env, LORA_STUDIO_HOME: home } });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('projects-screen').waitFor();
      await waitForConnected(page);
      const project = await callThroughBridge<{ dir: string }>(page, 'project-create', { name: 'Desktop run', dir: join(home, 'desktop-run'), type: 'style', trigger: 'flt' });
      const summary = await callThroughBridge<{ imported: number }>(page, 'images-import', { dir: project.dir, paths: [join(repoRoot, 'resources', 'samples', 'style')] });
      expect(summary.imported).toBeGreaterThanOrEqual(20);
      const images = await callUntil<{ analysis: string }[]>(page, 'images-list', { dir: project.dir }, (list) => list.every((i) => i.analysis !== 'pending'));
      expect(new Set(images.map((i) => i.analysis))).toEqual(new Set(['done']));

      const overrides = { steps: 5, batchSize: 1, sampleEvery: 1000, checkpointEvery: 1000, priorImages: 0, seed: 1 };
      const run = await callThroughBridge<{ id: number }>(page, 'run-start', { dir: project.dir, overrides });
      const done = await callUntil<{ status: string; step: number; message: string | null }>(page, 'run-get', { dir: project.dir, runId: run.id }, (r) => !['queued', 'running', 'paused'].includes(r.status));
      expect(done).toMatchObject({ status: 'finished', step: 5, message: null });
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
