import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { desktopDir, electronUnavailable } from './support/electron';
import { screenshot } from './support/screenshot';
import { ensureStudioBuilt } from './support/studio-build';
import { createProject, goToProjects, projectRow, renameInList, waitForConnected } from './support/studio-ui';

const electron = electronUnavailable();
const skipReason = 'reason' in electron ? electron.reason : '';

describe('Projects in the desktop app (Electron)', () => {
  it.skipIf(skipReason !== '')(`creates, reloads, opens and renames a project${skipReason ? ` — skipped: ${skipReason}` : ''}`, async () => {
    if (!('binary' in electron)) return;
    ensureStudioBuilt();
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
});
