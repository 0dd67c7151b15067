// The run queue in the studio UI: a real redis-server, a real `lora-studio worker` process, the browser-mode studio.
// The user points Settings → Compute at the queue (Test connection first), sees the worker in the Workers panel,
// starts a small run that trains on the worker, and watches its live chart fed from there.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedis, queueKeys } from '@lora-studio/core';
import { TestRedis } from '@lora-studio/core/queue/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, type StudioPage } from './support/browser';
import { startQueueWorker, type QueueWorker } from './support/queue-worker';
import { importSampleDataset } from './support/sample-dataset';
import { screenshot } from './support/screenshot';
import { startStudio, type StudioUnderTest } from './support/studio';
import { createProject } from './support/studio-ui';

const SECRET = 'e2e-queue-secret-0123456789';
const WORKER = 'e2e-worker';

let redis: TestRedis;
let studio: StudioUnderTest;
let browser: Browser;
let worker: QueueWorker | undefined;
let cache: string;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'lora-e2e-worker-'));
  [redis, studio, browser] = await Promise.all([TestRedis.start(), startStudio(), launchChromium()]);
  worker = await startQueueWorker({ redisUrl: redis.url, name: WORKER, secret: SECRET, cache });
});
afterAll(async () => {
  await worker?.stop();
  await browser?.close();
  await studio?.close();
  await redis?.dispose();
  rmSync(cache, { recursive: true, force: true });
});

/** A loopback port the kernel just handed out and that nothing listens on any more (a neighbour port may be taken). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// The worker downloads the dataset, encodes it and compiles the model before its first step (tens of seconds on 2
// busy cores); the studio follows its events through Redis.
const LONG = { timeout: 300_000 };
const status = (page: Page) => page.getByTestId('run-status').getAttribute('data-status');
const lastStep = async (page: Page) => Number(await page.getByTestId('loss-chart').getAttribute('data-last-step'));
const workerRow = (page: Page) => page.locator(`[data-testid="worker-row"][data-worker="${WORKER}"]`);

describe('Run queue in the studio', () => {
  it('chooses the queue in Settings, trains a run on a worker process, follows it live, and lists the worker', async () => {
    const tab: StudioPage = await openPage(browser);
    const side: StudioPage = await openPage(browser);
    const { page } = tab;
    try {
      await page.goto(studio.url);
      await page.getByTestId('open-settings').click();
      await page.getByTestId('compute-settings').waitFor();
      // Nothing is set up yet: this machine, and the Workers panel says how to get workers.
      expect(await page.getByTestId('compute-target-this-machine').isChecked()).toBe(true);
      expect(await page.getByTestId('workers-panel').textContent()).toMatch(/Runs train on this machine/);

      // A wrong port first: the test says so in words, nothing is saved.
      await page.getByTestId('compute-target-queue').check();
      const port = Number(new URL(redis.url).port);
      const wrongPort = await closedPort();
      await page.getByTestId('compute-redis-url').fill(`redis://127.0.0.1:${wrongPort}`);
      await page.getByTestId('compute-test').click();
      const result = page.getByTestId('compute-test-result');
      await expect.poll(() => result.getAttribute('data-ok')).toBe('false');
      expect(await result.textContent()).toBe(`Nothing answers at 127.0.0.1:${wrongPort}. Check that redis-server runs there and that the port is right.`);

      // The real queue: the test finds Redis and a worker already waiting on it; which workers share the secret it
      // can say only once the secret is given.
      await page.getByTestId('compute-redis-url').fill(redis.url);
      await page.getByTestId('compute-test').click();
      await expect.poll(() => result.getAttribute('data-ok')).toBe('true');
      const connected = `^Connected to Redis \\d+\\.\\d+\\.\\d+ at 127\\.0\\.0\\.1:${port}\\. `;
      expect(await result.textContent()).toMatch(new RegExp(`${connected}1 worker answers on the queue "lora-studio"; give the shared secret to see which of them share it\\.$`));

      // Saving needs the shared secret the worker was started with; with it, the test names the worker.
      await page.getByTestId('compute-save').click();
      await expect.poll(() => page.getByTestId('compute-save-error').textContent()).toMatch(/shared secret/);
      await page.getByTestId('compute-secret').fill(SECRET);
      await page.getByTestId('compute-test').click();
      await expect.poll(() => result.getAttribute('data-ok')).toBe('true');
      expect(await result.textContent()).toMatch(new RegExp(`${connected}1 worker answers on the queue "lora-studio": ${WORKER}\\.$`));
      await page.getByTestId('compute-save').click();
      await page.getByTestId('compute-saved').waitFor();
      expect(await page.getByTestId('compute-saved').textContent()).toBe('Saved. New runs go to the queue "lora-studio".');
      expect(await page.getByTestId('status-runs-on').textContent()).toBe('Runs on the queue "lora-studio"');
      await workerRow(page).waitFor();
      expect(await workerRow(page).getByTestId('worker-doing').textContent()).toBe('Idle, waiting for runs');
      expect(await workerRow(page).getByTestId('worker-answered').textContent()).toMatch(/^answered (just now|\d+ s ago)$/);
      await screenshot(page, 'settings-compute');

      // A heartbeat written without the secret (an older worker, or anyone who can write to Redis) is not a worker:
      // the panel leaves it out and says so in one line.
      const keys = queueKeys('lora-studio');
      const intruder = openRedis(redis.url);
      const beat = { name: 'intruder', host: 'elsewhere', labels: [], version: '0.1', device: 'CPU', concurrency: 1, totalMemoryBytes: 1, freeMemoryBytes: 1, runs: [], heartbeatAt: new Date().toISOString(), startedAt: new Date().toISOString() };
      await intruder.multi().set(keys.worker('intruder'), JSON.stringify(beat), 'PX', 60_000).sadd(keys.workers, 'intruder').exec();
      await expect.poll(() => page.getByTestId('workers-not-signed').textContent(), LONG).toBe('1 entry on this queue is not signed with your secret — a worker or studio with another secret, or an older version.');
      expect(await page.getByTestId('worker-row').count()).toBe(1);
      await intruder.multi().del(keys.worker('intruder')).srem(keys.workers, 'intruder').exec();
      intruder.disconnect();
      await expect.poll(() => page.getByTestId('workers-not-signed').count(), LONG).toBe(0);

      // A project with the sample dataset; the Train form runs on the queue because the settings say so.
      await page.getByTestId('settings-back').click();
      const dir = join(studio.home, 'projects', 'queue-e2e');
      await createProject(page, { name: 'Queue e2e', trigger: 'flt', type: 'style', dir });
      expect(await importSampleDataset(studio.url, dir)).toBeGreaterThanOrEqual(30);
      await page.getByTestId('section-tab-train').click();
      await page.getByTestId('train-form').waitFor();
      await expect.poll(() => page.getByTestId('train-run-on').inputValue(), LONG).toBe('queue-any');
      expect(await page.getByTestId('train-run-on-hint').textContent()).toContain('Queue "lora-studio"');
      // A label no worker has would leave the run waiting; a bad label is refused before anything is sent.
      await page.getByTestId('train-run-on').selectOption('queue-labels');
      await page.getByTestId('train-run-on-labels').fill('gpu/24');
      await page.getByTestId('train-run-on-error').waitFor();
      await page.getByTestId('train-run-on').selectOption('queue-any');

      await page.getByTestId('train-field-steps').fill('400');
      await page.getByTestId('train-field-batchSize').fill('1');
      await page.getByTestId('train-field-sampleEvery').fill('0');
      await page.getByTestId('train-field-checkpointEvery').fill('200');
      const train = page.getByTestId('train-start');
      await expect.poll(() => train.isEnabled(), LONG).toBe(true);
      await train.click();
      await page.locator('[data-testid="run-page"], [data-testid="train-start-error"]').first().waitFor(LONG);
      const startError = page.getByTestId('train-start-error');
      if ((await startError.count()) > 0) throw new Error(`Training did not start: ${await startError.textContent()}`);

      // Queued on the queue, then on the worker; the chart grows from the worker's steps.
      expect(await page.getByTestId('run-where').getAttribute('data-where')).toBe('queue');
      await expect.poll(() => lastStep(page), LONG).toBeGreaterThanOrEqual(1);
      await page.locator('[data-testid="loss-chart"] .recharts-line path').first().waitFor();
      expect(await page.getByTestId('run-where').textContent()).toBe(`On worker ${WORKER}`);
      expect(await page.getByTestId('run-row-where').textContent()).toBe(`On worker ${WORKER}`);

      // Paused through the queue: the Workers panel (another window) shows what the worker holds.
      await page.getByTestId('run-pause').click();
      await expect.poll(() => status(page), LONG).toBe('paused');
      expect(await lastStep(page)).toBeLessThan(400);
      await side.page.goto(studio.url);
      await side.page.getByTestId('open-settings').click();
      await expect.poll(() => workerRow(side.page).getByTestId('worker-doing').textContent(), LONG).toMatch(/^Paused on Run 1 \(step \d+\)$/);
      await screenshot(side.page, 'settings-workers');

      await page.getByTestId('run-resume').click();
      await expect.poll(() => status(page), LONG).toBe('finished');
      expect(await lastStep(page)).toBe(400);
      expect(await page.getByTestId('run-where').textContent()).toBe(`Finished on ${WORKER}`);
      expect(await page.getByTestId('run-row-where').textContent()).toBe(`Finished on ${WORKER}`);
      await screenshot(page, 'train-on-queue');
      await expect.poll(() => workerRow(side.page).getByTestId('worker-doing').textContent(), LONG).toBe('Idle, waiting for runs');

      // A run for a worker group this worker is not in: it waits in line with the worker's reason; Stop takes it out.
      await page.getByTestId('new-run').click();
      await page.getByTestId('train-form').waitFor();
      await page.getByTestId('train-run-on').selectOption('queue-labels');
      await page.getByTestId('train-run-on-labels').fill('gpu-24gb');
      await page.getByTestId('train-field-steps').fill('10');
      await page.getByTestId('train-field-sampleEvery').fill('0');
      await expect.poll(() => train.isEnabled(), LONG).toBe(true);
      await train.click();
      await expect.poll(() => page.getByTestId('run-where').textContent(), LONG).toBe('Queued, 1st in line · workers labelled gpu-24gb');
      await expect.poll(() => page.getByTestId('run-message').textContent(), LONG).toBe(`Worker ${WORKER} cannot take this run: it needs the label gpu-24gb; this worker has none.`);
      expect(await page.locator('[data-testid="run-row"][aria-current="true"]').getByTestId('run-row-where').textContent()).toBe('Queued, 1st in line · workers labelled gpu-24gb');
      expect(await page.getByTestId('run-eta').textContent()).toBe('Waiting for a worker');
      await screenshot(page, 'train-queued-for-label');
      await page.getByTestId('run-stop').click();
      // With the run's message beside the status, a stop that never lands says what the run last reported.
      const statusAndMessage = async () => `${await status(page)}: ${await page.getByTestId('run-message').textContent()}`;
      await expect.poll(statusAndMessage, LONG).toBe('stopped: Stopped before it started.');
      expect(await page.getByTestId('run-where').textContent()).toBe('Stopped');
    } finally {
      await page.context().close();
      await side.page.context().close();
    }
    expect(tab.pageErrors, 'errors inside the page').toEqual([]);
    expect(side.pageErrors, 'errors inside the second page').toEqual([]);
  }, 600_000);
});
