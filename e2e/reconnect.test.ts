import { createStudio } from '@lora-studio/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { withStudioPages } from './support/lifecycle';
import type { StudioUnderTest } from './support/studio';
import { createProject, goToProjects, projectRow, waitForConnected } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages(
  (s, tab) => {
    studio = s;
    page = tab.page;
  },
  // While the host is down Chromium logs each failed attempt; nothing else may go wrong in the page.
  { expected: (message) => message.includes('WebSocket connection') },
);

describe('connection to the host', () => {
  it('shows a lost connection, reconnects by itself and refetches what changed meanwhile', async () => {
    await page.goto(studio.url);
    await createProject(page, { name: 'Before restart', trigger: 'brx' });
    await goToProjects(page);

    await studio.stopHost();
    await page.locator('[data-testid="status-connection"][data-state="reconnecting"]').waitFor();

    // While the host is down another client (the CLI, say) adds a project; then the host restarts.
    const cli = createStudio({ home: studio.home, mode: 'browser' });
    const added = await cli.dispatcher.call(1, 'project-create', { name: 'Made while away', type: 'object', trigger: 'awayx' });
    cli.close();
    expect(added.ok).toBe(true);
    await studio.startHostAgain();

    await waitForConnected(page);
    await projectRow(page, 'Made while away').waitFor();
    await projectRow(page, 'Before restart').waitFor();
  });
});
