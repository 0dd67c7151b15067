// Settings → Compute, kept with the app settings (studio.sqlite), never in a project: train on this machine (the
// default), or on a run queue (Redis URL with its password, queue name, shared secret, and where its files travel:
// Redis, or a bucket with its access key). The password, the secret and the secret access key never leave here.
import {
  artifactLocationSchema, DEFAULT_QUEUE_NAME, type ArtifactStoreSettings, type ArtifactStoreSettingsInput, type ComputeSettings, type ComputeSettingsInput, type SavedQueueSettings,
} from '@lora-studio/api';
import type { AppStore } from '@lora-studio/store';
import { REDIS_ARTIFACTS, type ArtifactStoreConfig } from '../queue/artifact-location';
import type { QueueConnection } from '../queue/run-queue-client';
import { redactedUrl } from '../queue/redis-connection';

const KEYS = {
  target: 'compute.target', redisUrl: 'compute.redisUrl', queueName: 'compute.queueName', secret: 'compute.secret',
  /** JSON: the artifact store with its credentials. */
  artifacts: 'compute.artifacts',
};

/** The stored artifact store; Redis when none (or one this version cannot read) is stored. */
function storedArtifacts(app: AppStore): ArtifactStoreConfig {
  const raw = app.setting(KEYS.artifacts);
  if (!raw) return REDIS_ARTIFACTS;
  try {
    const { credentials, ...rest } = JSON.parse(raw) as { credentials?: { accessKeyId?: unknown; secretAccessKey?: unknown } };
    const location = artifactLocationSchema.parse(rest);
    if (location.kind === 'redis') return REDIS_ARTIFACTS;
    if (typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') return REDIS_ARTIFACTS;
    return { ...location, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } };
  } catch {
    return REDIS_ARTIFACTS;
  }
}

/** The queue to use, or undefined for this machine. */
export function queueConnectionSetting(app: AppStore): QueueConnection | undefined {
  if (app.setting(KEYS.target) !== 'queue') return undefined;
  const redisUrl = app.setting(KEYS.redisUrl);
  const secret = app.setting(KEYS.secret);
  if (!redisUrl || !secret) return undefined;
  const artifacts = storedArtifacts(app);
  return { redisUrl, queueName: app.setting(KEYS.queueName) || DEFAULT_QUEUE_NAME, secret, ...(artifacts.kind === 's3' ? { artifacts } : {}) };
}

function artifactsView(config: ArtifactStoreConfig): ArtifactStoreSettings {
  if (config.kind === 'redis') return { kind: 'redis' };
  const { credentials, ...location } = config;
  return { ...location, accessKeyId: credentials.accessKeyId, secretAccessKeySet: credentials.secretAccessKey.length > 0 };
}

export function computeSettingsView(app: AppStore): ComputeSettings {
  const redisUrl = app.setting(KEYS.redisUrl);
  // Switching back to this machine keeps the queue's settings: the form shows them again when the queue is picked.
  const queue: SavedQueueSettings | null = redisUrl
    ? {
      redisUrl: redactedUrl(redisUrl),
      queueName: app.setting(KEYS.queueName) || DEFAULT_QUEUE_NAME,
      secretSet: Boolean(app.setting(KEYS.secret)),
      artifacts: artifactsView(storedArtifacts(app)),
    }
    : null;
  if (app.setting(KEYS.target) !== 'queue' || !queue) return { target: 'this-machine', savedQueue: queue };
  return { target: 'queue', ...queue };
}

const sameEndpoint = (a: string | undefined, b: string | undefined) => (a ?? '').replace(/\/+$/, '') === (b ?? '').replace(/\/+$/, '');

/** The artifact store the input describes, with the stored secret access key where the input leaves it out. */
export function artifactsFromInput(app: AppStore, input: ArtifactStoreSettingsInput): ArtifactStoreConfig {
  if (input.kind === 'redis') return REDIS_ARTIFACTS;
  const { accessKeyId, secretAccessKey: given, ...location } = input;
  const stored = storedArtifacts(app);
  // The stored secret key signs requests only for its own key id and endpoint: a changed endpoint needs it typed again.
  const keeps = stored.kind === 's3' && stored.credentials.accessKeyId === accessKeyId && sameEndpoint(stored.endpoint, location.endpoint);
  const secretAccessKey = given ?? (keeps ? stored.credentials.secretAccessKey : undefined);
  if (!secretAccessKey) throw new Error('Give the bucket\'s secret access key (it goes with the access key id and endpoint; a stored one is kept only while both stay the same).');
  return { ...location, credentials: { accessKeyId, secretAccessKey } };
}

/** The queue secret saved with the app's settings, if any (it is never shown). */
export function storedQueueSecret(app: AppStore): string | undefined {
  return app.setting(KEYS.secret) || undefined;
}

/** The connection the input describes, with the stored secrets (and password) where the input leaves them out. */
export function connectionFromInput(app: AppStore, input: Extract<ComputeSettingsInput, { target: 'queue' }>): QueueConnection {
  const secret = input.secret ?? storedQueueSecret(app);
  if (!secret) throw new Error('Give the queue\'s shared secret (the one its workers were started with).');
  const artifacts = artifactsFromInput(app, input.artifacts);
  return { redisUrl: redisUrlFromInput(app, input.redisUrl), queueName: input.queueName ?? DEFAULT_QUEUE_NAME, secret, ...(artifacts.kind === 's3' ? { artifacts } : {}) };
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
  app.setSetting(KEYS.artifacts, JSON.stringify(connection.artifacts ?? REDIS_ARTIFACTS));
  app.setSetting(KEYS.target, 'queue');
}
