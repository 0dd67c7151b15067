import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, quiet: no sandbox (root in CI), no GPU, no background traffic to Google. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface StudioPage {
  page: Page;
  /** Uncaught exceptions and console errors in the page: a test fails if the UI threw. */
  pageErrors: string[];
}

/** A desktop-sized page that records what went wrong inside it. */
export async function openPage(browser: Browser): Promise<StudioPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  return { page, pageErrors };
}
