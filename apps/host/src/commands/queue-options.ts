// The flags every run-queue command shares: --queue URL, --queue-name NAME, and the shared secret, read from
// LORA_STUDIO_QUEUE_SECRET or --secret-file (never a flag's value: that would show in the process list).
import { readFileSync } from 'node:fs';
import { checkQueueConnection, checkRedisUrl, DEFAULT_QUEUE_NAME, type QueueConnection } from '@lora-studio/core';
import { CommandFailed } from './call';
import { UsageError } from './command';

export const SECRET_ENV = 'LORA_STUDIO_QUEUE_SECRET';

export const queueFlags = {
  'queue-name': { type: 'string' as const, default: DEFAULT_QUEUE_NAME },
  'secret-file': { type: 'string' as const },
};

export const QUEUE_HELP = `--queue-name NAME: the queue studios and workers meet on (default ${DEFAULT_QUEUE_NAME}).
The shared secret comes from ${SECRET_ENV} or --secret-file PATH; studio and workers must use the same one
(every job and control message is signed with it; a worker refuses what does not verify).`;

/** Every queue command needs the secret: even one that only lists (runs) verifies what it shows with it. */
export function queueConnection(url: string, values: { 'queue-name'?: string; 'secret-file'?: string }): QueueConnection {
  try {
    checkRedisUrl(url);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const queueName = values['queue-name'] ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(queueName)) throw new UsageError('--queue-name takes letters, digits, ".", "_" and "-" (at most 64).');
  let secret = process.env[SECRET_ENV] ?? '';
  if (values['secret-file']) {
    try {
      secret = readFileSync(values['secret-file'], 'utf8').trim();
    } catch (error) {
      throw new UsageError(`--secret-file ${values['secret-file']} cannot be read: ${(error as Error).message}`);
    }
  }
  if (secret.length < 16) {
    throw new UsageError(`The run queue needs a shared secret of at least 16 characters in ${SECRET_ENV} or a --secret-file (the same on the studio and every worker), e.g. from "openssl rand -hex 32".`);
  }
  return { redisUrl: url, queueName, secret };
}

/** Says at once, in words to act on, when Redis cannot be reached (the clients themselves would retry forever). */
export async function reachQueue(connection: QueueConnection): Promise<void> {
  const check = await checkQueueConnection(connection.redisUrl, connection.queueName, 5000, connection.secret);
  if (!check.ok) throw new CommandFailed(check.message);
}
