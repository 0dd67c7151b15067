// Settings → Compute in the browser against a real redis-server with a password: a saved queue stays shown after
// switching back to "This machine" (and after a reload) — URL with its password as ***, the secret kept — so picking
// "A run queue" again and saving needs nothing typed again.
import { openRedis } from '@lora-studio/core';
import { TestRedis } from '@lora-studio/core/queue/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withStudioPages } from './support/lifecycle';
import type { StudioUnderTest } from './support/studio';

const SECRET = 'e2e-settings-secret-0123456789';
const PASSWORD = 'e2e-redis-pa55';

let redis: TestRedis;
let studio: StudioUnderTest;
let page: Page;

beforeAll(async () => {
  redis = await TestRedis.start();
  const admin = openRedis(redis.url);
  await admin.config('SET', 'requirepass', PASSWORD);
  admin.disconnect();
});
afterAll(async () => redis?.dispose());
withStudioPages((s, tab) => {
  studio = s;
  page = tab.page;
});

async function openSettings(): Promise<void> {
  await page.goto(studio.url);
  await page.getByTestId('open-settings').click();
  await page.getByTestId('compute-settings').waitFor();
}

async function save(expected: string): Promise<void> {
  await page.getByTestId('compute-save').click();
  await page.getByTestId('compute-saved').waitFor();
  expect(await page.getByTestId('compute-saved').textContent()).toBe(expected);
}

describe('Settings → Compute', () => {
  it('keeps showing the saved queue after switching back to this machine, password masked and secret kept', async () => {
    const port = new URL(redis.url).port;
    const masked = `redis://:***@127.0.0.1:${port}`;
    await openSettings();
    await page.getByTestId('compute-target-queue').check();
    await page.getByTestId('compute-redis-url').fill(`redis://:${PASSWORD}@127.0.0.1:${port}`);
    await page.getByTestId('compute-secret').fill(SECRET);
    await save('Saved. New runs go to the queue "lora-studio".');
    expect(await page.getByTestId('compute-redis-url').inputValue()).toBe(masked);

    await page.getByTestId('compute-target-this-machine').check();
    await save('Saved. New runs train on this machine.');
    await page.getByTestId('compute-target-queue').check();
    expect(await page.getByTestId('compute-redis-url').inputValue()).toBe(masked);

    // After a reload too: the form is filled from what the studio saved, never with the password or the secret.
    await openSettings();
    expect(await page.getByTestId('compute-target-this-machine').isChecked()).toBe(true);
    await page.getByTestId('compute-target-queue').check();
    expect(await page.getByTestId('compute-redis-url').inputValue()).toBe(masked);
    expect(await page.getByTestId('compute-secret').inputValue()).toBe('');
    expect(await page.getByTestId('compute-settings').textContent()).toContain('stored; leave empty to keep it');
    expect(await page.content()).not.toMatch(new RegExp(`${PASSWORD}|${SECRET}`));
    // Saving as shown uses the stored password and secret: Redis (which wants the password) answers.
    await save('Saved. New runs go to the queue "lora-studio".');
    expect(await page.getByTestId('status-runs-on').textContent()).toBe('Runs on the queue "lora-studio"');
  });
});
