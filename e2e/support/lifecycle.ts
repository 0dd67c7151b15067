import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchChromium, openPage, type StudioPage } from './browser';
import { startStudio, type StudioUnderTest } from './studio';

export interface PageErrorOptions {
  /** Errors a file's tests cause on purpose (a host stopped on purpose makes Chromium log each failed reconnect). */
  expected?: (message: string) => boolean;
}

/**
 * The usual life of a browser-mode e2e file: one studio host and one Chromium for the file, a fresh page per test,
 * and no error inside the page allowed. `use` receives the studio once and each test's page as it opens.
 */
export function withStudioPages(use: (studio: StudioUnderTest, tab: StudioPage) => void, options: PageErrorOptions = {}): void {
  let studio: StudioUnderTest;
  let browser: Browser;
  let tab: StudioPage;
  beforeAll(async () => {
    [studio, browser] = await Promise.all([startStudio(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.close();
  });
  beforeEach(async () => {
    tab = await openPage(browser);
    use(studio, tab);
  });
  afterEach(async () => {
    await tab.page.context().close();
    expect(tab.pageErrors.filter((message) => !options.expected?.(message)), 'errors inside the page').toEqual([]);
  });
}
