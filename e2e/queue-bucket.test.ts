// Settings → Compute with the queue's files in a bucket: a real redis-server, a real s3rver on loopback, the
// browser-mode studio. Test connection says what is wrong with a bucket that does not exist, then finds the real one;
// the saved bucket comes back with its secret access key kept but never shown.
import { TestRedis } from '@lora-studio/core/queue/testing';
import { TEST_S3_CREDENTIALS, TestS3 } from '@lora-studio/core/queue/testing/s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from './support/browser';
import { screenshot } from './support/screenshot';
import { startStudio, type StudioUnderTest } from './support/studio';

let redis: TestRedis;
let s3: TestS3;
let studio: StudioUnderTest;
let browser: Browser;

beforeAll(async () => {
  [redis, s3, studio, browser] = await Promise.all([TestRedis.start(), TestS3.start(), startStudio(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await studio?.close();
  await redis?.dispose();
  await s3?.dispose();
});

describe('Run queue files in a bucket', () => {
  it('tests the bucket in Settings → Compute, says what is wrong, saves it and never shows its secret key again', async () => {
    const { page, pageErrors } = await openPage(browser);
    await page.goto(studio.url);
    await page.getByTestId('open-settings').click();
    await page.getByTestId('compute-target-queue').check();
    await page.getByTestId('compute-redis-url').fill(redis.url);
    await page.getByTestId('compute-secret').fill('e2e-bucket-secret-0123456789');
    // Redis is the default; the bucket's fields appear once it is chosen.
    expect(await page.getByTestId('compute-artifacts-redis').isChecked()).toBe(true);
    expect(await page.getByTestId('compute-s3-bucket').count()).toBe(0);
    await page.getByTestId('compute-artifacts-s3').check();
    await page.getByTestId('compute-s3-bucket').fill('no-such-bucket');
    await page.getByTestId('compute-s3-prefix').fill('studio-e2e');
    await page.getByTestId('compute-s3-endpoint').fill(s3.endpoint);
    await page.getByTestId('compute-s3-path-style').check();
    await page.getByTestId('compute-s3-accessKeyId').fill(TEST_S3_CREDENTIALS.accessKeyId);
    await page.getByTestId('compute-s3-secret').fill(TEST_S3_CREDENTIALS.secretAccessKey);

    await page.getByTestId('compute-test').click();
    const bucket = page.getByTestId('compute-test-bucket');
    await bucket.waitFor();
    expect(await bucket.getAttribute('data-ok')).toBe('false');
    expect(await bucket.textContent()).toMatch(/^Opening the bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ failed: the bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+\. Create it there, or correct the bucket name\.$/);
    expect(await page.getByTestId('compute-test-result').getAttribute('data-ok')).toBe('false');
    expect(await page.getByTestId('compute-test-queue').textContent()).toMatch(/^Connected to Redis/);

    // Saving the wrong bucket is refused with the same words; the right one is tested and saved.
    await page.getByTestId('compute-save').click();
    await expect.poll(() => page.getByTestId('compute-save-error').textContent()).toMatch(/does not exist .*The setting was not changed\.$/);
    await page.getByTestId('compute-s3-bucket').fill(s3.bucket);
    expect(await page.getByTestId('compute-test-result').count()).toBe(0);
    await page.getByTestId('compute-test').click();
    await expect.poll(() => page.getByTestId('compute-test-result').getAttribute('data-ok')).toBe('true');
    expect(await bucket.textContent()).toMatch(/^Files go to the bucket "lora-test" at http:\/\/127\.0\.0\.1:\d+, under "studio-e2e\/": writing, reading and deleting there works\.$/);
    await screenshot(page, 'settings-compute-bucket');
    await page.getByTestId('compute-save').click();
    await page.getByTestId('compute-saved').waitFor();

    // Opened again: the bucket as saved, the secret access key kept but not in the page.
    await page.reload();
    await page.getByTestId('compute-s3-bucket').waitFor();
    expect(await page.getByTestId('compute-artifacts-s3').isChecked()).toBe(true);
    expect(await page.getByTestId('compute-s3-bucket').inputValue()).toBe(s3.bucket);
    expect(await page.getByTestId('compute-s3-endpoint').inputValue()).toBe(s3.endpoint);
    expect(await page.getByTestId('compute-s3-path-style').isChecked()).toBe(true);
    expect(await page.getByTestId('compute-s3-secret').inputValue()).toBe('');
    expect(await page.getByTestId('compute-settings').textContent()).toContain('stored; leave empty to keep it');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
