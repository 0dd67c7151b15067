// Settings → Compute, kept with the app settings (studio.sqlite), never in a project: train on this machine (the
// default), or on a run queue (Redis URL with its password, queue name, shared secret).
import { DEFAULT_QUEUE_NAME, type ComputeSettings, type ComputeSettingsInput } from '@lora-studio/api';
import type { AppStore } from '@lora-studio/store';
import type { QueueConnection } from '../queue/run-queue-client';
import { redactedUrl } from '../queue/redis-connection';

const KEYS = { target: 'compute.target', redisUrl: 'compute.redisUrl', queueName: 'compute.queueName', secret: 'compute.secret' };

/** The queue to use, or undefined for this machine. */
export function queueConnectionSetting(app: AppStore): QueueConnection | undefined {
  if (app.setting(KEYS.target) !== 'queue') return undefined;
  const redisUrl = app.setting(KEYS.redisUrl);
  const secret = app.setting(KEYS.secret);
  if (!redisUrl || !secret) return undefined;
  return { redisUrl, queueName: app.setting(KEYS.queueName) || DEFAULT_QUEUE_NAME, secret };
}

export function computeSettingsView(app: AppStore): ComputeSettings {
  if (app.setting(KEYS.target) !== 'queue') return { target: 'this-machine' };
  return {
    target: 'queue',
    redisUrl: redactedUrl(app.setting(KEYS.redisUrl) ?? ''),
    queueName: app.setting(KEYS.queueName) || DEFAULT_QUEUE_NAME,
    secretSet: Boolean(app.setting(KEYS.secret)),
  };
}

/** The connection the input describes, with the stored secret (and password) where the input leaves them out. */
export function connectionFromInput(app: AppStore, input: Extract<ComputeSettingsInput, { target: 'queue' }>): QueueConnection {
  const secret = input.secret ?? app.setting(KEYS.secret);
  if (!secret) throw new Error('Give the queue\'s shared secret (the one its workers were started with).');
  return { redisUrl: redisUrlFromInput(app, input.redisUrl), queueName: input.queueName ?? DEFAULT_QUEUE_NAME, secret };
}

/** The view shows the password as ***: that view's URL given back (to save or to test) means the stored one. */
export function redisUrlFromInput(app: AppStore, redisUrl: string): string {
  const stored = app.setting(KEYS.redisUrl);
  return stored && redactedUrl(stored) === redisUrl ? stored : redisUrl;
}

export function saveComputeSettings(app: AppStore, connection: QueueConnection | undefined): void {
  if (!connection) {
    app.setSetting(KEYS.target, 'this-machine');
    return;
  }
  app.setSetting(KEYS.redisUrl, connection.redisUrl);
  app.setSetting(KEYS.queueName, connection.queueName);
  app.setSetting(KEYS.secret, connection.secret);
  app.setSetting(KEYS.target, 'queue');
}
