import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from './support/screenshot';
import { withStudioPages } from './support/lifecycle';
import type { StudioUnderTest } from './support/studio';
import { createProject, fillCreateForm, goToProjects, projectRow, renameInList, rowNames, waitForConnected } from './support/studio-ui';

let studio: StudioUnderTest;
let page: Page;

withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
});

describe('Projects in browser mode', () => {
  it('creates a project, keeps it across reloads, opens and renames it', async () => {
    await page.goto(studio.url);
    await page.getByTestId('projects-screen').waitFor();
    await waitForConnected(page);
    // The token leaves the address bar (history, screenshots) but the tab keeps working.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await expect.poll(() => page.getByTestId('status-device').textContent()).toMatch(/^Compute: \S/);

    await createProject(page, { name: 'Mia portraits', trigger: 'sks', type: 'subject' });
    await page.getByTestId('section-dataset').waitFor();
    expect(await page.getByTestId('project-subject-kind').textContent()).toBe('A person');
    await screenshot(page, 'project-frame');
    expect(await page.getByTestId('project-trigger').textContent()).toBe('sks');
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/project/${join(studio.home, 'projects', 'mia-portraits')}/dataset`);

    // The view lives in the URL: a reload stays on the same project and section.
    await page.getByTestId('section-tab-train').click();
    await page.getByTestId('section-train').waitFor();
    await page.reload();
    await page.getByTestId('section-train').waitFor();
    expect(await page.getByTestId('project-name').textContent()).toBe('Mia portraits');

    await goToProjects(page);
    await page.reload();
    await waitForConnected(page);
    await projectRow(page, 'Mia portraits').waitFor();
    await screenshot(page, 'projects');

    await projectRow(page, 'Mia portraits').getByTestId('project-open').click();
    await page.getByTestId('project-name').filter({ hasText: 'Mia portraits' }).waitFor();
    await goToProjects(page);

    await renameInList(page, 'Mia portraits', 'Mia, studio light');
    await page.reload();
    await projectRow(page, 'Mia, studio light').waitFor();
    expect(await rowNames(page)).not.toContain('Mia portraits');
  });

  it('shows the services’ validation messages beside the fields', async () => {
    await page.goto(studio.url);
    await waitForConnected(page);
    await fillCreateForm(page, { name: 'Ink style', trigger: 'two words', type: 'style' });
    await page.getByTestId('create-trigger').press('Enter');
    const error = page.getByTestId('create-trigger-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('one word');
    expect(await page.getByTestId('create-trigger').getAttribute('aria-invalid')).toBe('true');

    await page.getByTestId('create-trigger').fill('inkstyle');
    await page.getByTestId('create-trigger').press('Enter');
    await page.getByTestId('project-name').filter({ hasText: 'Ink style' }).waitFor();
  });

  it('asks who or what a subject is, so a teddy bear is not checked for a face', async () => {
    await page.goto(studio.url);
    await waitForConnected(page);
    await page.getByTestId('create-type-subject').check();
    await page.getByTestId('create-subject-thing').waitFor();
    await page.getByTestId('create-type-style').check();
    // The question belongs to subject projects only.
    await page.getByTestId('create-subject-thing').waitFor({ state: 'detached' });
    await createProject(page, { name: 'Teddy', trigger: 'tdyx', type: 'subject', subjectKind: 'thing' });
    expect(await page.getByTestId('project-subject-kind').textContent()).toBe('A thing');
  });

  it('creates a project with the keyboard alone', async () => {
    await page.goto(studio.url);
    await waitForConnected(page);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
    for (let i = 0; i < 40 && (await focused()) !== 'create-name'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('create-name');
    await page.keyboard.type('Keyboard only');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('create-folder');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('create-type-subject');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('create-type-style');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('create-trigger');
    await page.keyboard.type('kbdx');
    await page.keyboard.press('Enter');
    await page.getByTestId('project-name').filter({ hasText: 'Keyboard only' }).waitFor();
    expect(await page.title()).toBe('Keyboard only — LoRA Studio');
    expect(await page.getByTestId('project-type').textContent()).toBe('Style');

    // The sections are links in the tab order; Enter follows one.
    for (let i = 0; i < 20 && (await focused()) !== 'section-tab-export'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByTestId('section-export').waitFor();
  });

  it('renames from the project header', async () => {
    await page.goto(studio.url);
    await createProject(page, { name: 'Header rename', trigger: 'hdrx', type: 'object' });
    await page.getByTestId('project-header-rename').click();
    await page.getByTestId('rename-input').fill('Renamed in header');
    await page.getByTestId('rename-input').press('Enter');
    await page.getByTestId('project-name').filter({ hasText: 'Renamed in header' }).waitFor();
    await goToProjects(page);
    await projectRow(page, 'Renamed in header').waitFor();
  });

  it('marks a project whose folder has gone, and removes it from the list without touching disk', async () => {
    const dir = join(studio.home, 'elsewhere', 'gone-project');
    await page.goto(studio.url);
    await createProject(page, { name: 'Gone project', trigger: 'gonex', dir });
    rmSync(dir, { recursive: true, force: true });
    await goToProjects(page);
    await page.reload();
    const row = projectRow(page, 'Gone project');
    await row.getByTestId('project-missing').waitFor();
    expect(await row.getByTestId('project-open').isDisabled()).toBe(true);

    await row.getByTestId('project-delete').click();
    await page.getByTestId('delete-confirm').click();
    await row.waitFor({ state: 'detached' });
  });

  it('deletes a project and its folder only when asked to', async () => {
    const keep = join(studio.home, 'elsewhere', 'kept');
    const wipe = join(studio.home, 'elsewhere', 'wiped');
    await page.goto(studio.url);
    await createProject(page, { name: 'Kept on disk', trigger: 'keepx', dir: keep });
    await goToProjects(page);
    await createProject(page, { name: 'Wiped from disk', trigger: 'wipex', dir: wipe });
    await goToProjects(page);

    await projectRow(page, 'Kept on disk').getByTestId('project-delete').click();
    await page.getByTestId('delete-confirm').click();
    await projectRow(page, 'Kept on disk').waitFor({ state: 'detached' });
    expect(existsSync(join(keep, 'project.sqlite'))).toBe(true);

    await projectRow(page, 'Wiped from disk').getByTestId('project-delete').click();
    await page.getByTestId('delete-files').check();
    await page.getByTestId('delete-confirm').click();
    await projectRow(page, 'Wiped from disk').waitFor({ state: 'detached' });
    expect(existsSync(wipe)).toBe(false);
  });

  it('opens a project from a URL whose folder is written differently (trailing slash)', async () => {
    const dir = join(studio.home, 'elsewhere', 'slashed');
    await page.goto(studio.url);
    await createProject(page, { name: 'Slashed', trigger: 'slsx', dir });
    await page.goto(`${new URL(studio.url).origin}/#/project/${encodeURIComponent(`${dir}/`)}/captions`);
    await page.getByTestId('section-captions').waitFor();
    expect(await page.getByTestId('project-name').textContent()).toBe('Slashed');
  });

  it('shows a missing project in the URL as an error with a way back', async () => {
    await page.goto(studio.url);
    await waitForConnected(page);
    await page.goto(`${new URL(studio.url).origin}/#/project/${encodeURIComponent('/nowhere/at-all')}/dataset`);
    const error = page.getByTestId('project-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('/nowhere/at-all');
  });
});
