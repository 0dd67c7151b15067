import type { Locator, Page } from 'playwright-core';

/** What a user does on the Projects screen and in the project frame, by the UI's stable test ids. */

export interface NewProject {
  name: string;
  trigger: string;
  type?: 'subject' | 'style' | 'object';
  /** For a subject project: who or what it is (the form's default is a person). */
  subjectKind?: 'person' | 'character' | 'thing';
  dir?: string;
}

export async function waitForConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="status-connection"][data-state="open"]').waitFor();
}

export async function fillCreateForm(page: Page, project: NewProject): Promise<void> {
  await page.getByTestId('create-name').fill(project.name);
  await page.getByTestId('create-folder').fill(project.dir ?? '');
  await page.getByTestId(`create-type-${project.type ?? 'subject'}`).check();
  if (project.subjectKind) await page.getByTestId(`create-subject-${project.subjectKind}`).check();
  await page.getByTestId('create-trigger').fill(project.trigger);
}

/** Creates a project through the form; creating opens it in the project frame. */
export async function createProject(page: Page, project: NewProject): Promise<void> {
  await fillCreateForm(page, project);
  await page.getByTestId('create-submit').click();
  await page.getByTestId('project-name').filter({ hasText: project.name }).waitFor();
}

/** Opens the studio, waits for its API socket, and creates a project through the form (which opens it). */
export async function openNewProject(page: Page, studioUrl: string, project: NewProject): Promise<void> {
  await page.goto(studioUrl);
  await waitForConnected(page);
  await createProject(page, project);
}

/** Waits until the Dataset view's import (picked, dropped or pasted files) has finished. */
export async function waitForImportFinished(page: Page): Promise<void> {
  await page.locator('[data-testid="import-progress"][data-finished="true"]').waitFor({ timeout: 90_000 });
}

/** Picks files with the Dataset view's add button and waits until their import has finished. */
export async function importPicked(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('dataset-add-input').setInputFiles(files);
  await waitForImportFinished(page);
}

export function projectRow(page: Page, name: string): Locator {
  return page.getByTestId('project-row').filter({ has: page.getByTestId('project-row-name').getByText(name, { exact: true }) });
}

export async function goToProjects(page: Page): Promise<void> {
  await page.getByTestId('back-to-projects').click();
  await page.getByTestId('projects-screen').waitFor();
}

export async function renameInList(page: Page, from: string, to: string): Promise<void> {
  await projectRow(page, from).getByTestId('project-rename').click();
  const input = page.getByTestId('rename-input');
  await input.fill(to);
  await input.press('Enter');
  await projectRow(page, to).waitFor();
}

export async function rowNames(page: Page): Promise<string[]> {
  return page.getByTestId('project-row-name').allTextContents();
}
