// The flags that put a queue's files in an S3-compatible bucket: --artifacts s3://BUCKET/PREFIX, --s3-endpoint URL,
// --s3-region R, --s3-path-style. The key comes from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)
// or --s3-credentials-file, never from a flag's value: that would show in the process list.
import { readFileSync } from 'node:fs';
import { artifactLocationSchema, DEFAULT_BUCKET_PREFIX, DEFAULT_BUCKET_REGION } from '@lora-studio/api';
import { checkBucket, type ArtifactStoreConfig, type BucketCredentials } from '@lora-studio/core';
import { CommandFailed } from './call';
import { UsageError } from './command';

export const artifactFlags = {
  artifacts: { type: 'string' as const },
  's3-endpoint': { type: 'string' as const },
  's3-region': { type: 'string' as const },
  's3-path-style': { type: 'boolean' as const, default: false },
  's3-credentials-file': { type: 'string' as const },
};

export const ARTIFACTS_HELP = `--artifacts s3://BUCKET/PREFIX: the queue's files (images, checkpoints, samples, LoRAs) go to an S3-compatible
bucket instead of through Redis (default PREFIX ${DEFAULT_BUCKET_PREFIX}); studio and workers must name the same one.
--s3-endpoint URL: the server for MinIO, R2, Ceph… (none for AWS S3). --s3-region R (default AWS_REGION, else
${DEFAULT_BUCKET_REGION}; R2 takes auto). --s3-path-style: address the bucket in the path (MinIO and Ceph usually need it).
The key comes from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --s3-credentials-file PATH (an AWS credentials
file: aws_access_key_id = … and aws_secret_access_key = …, the [default] profile or the only one).`;

interface ArtifactValues {
  artifacts?: string;
  's3-endpoint'?: string;
  's3-region'?: string;
  's3-path-style'?: boolean;
  's3-credentials-file'?: string;
}

/** The [default] profile (or the only one) of an AWS credentials file. */
export function parseCredentialsFile(text: string, path: string): BucketCredentials {
  const profiles = new Map<string, Record<string, string>>();
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = section[1]!;
      continue;
    }
    const pair = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!pair) continue;
    const profile = profiles.get(current) ?? {};
    profile[pair[1]!.toLowerCase()] = pair[2]!.trim();
    profiles.set(current, profile);
  }
  const named = [...profiles.keys()].filter((k) => k !== '');
  const chosen = profiles.get('default') ?? (named.length === 1 ? profiles.get(named[0]!) : profiles.get(''));
  if (!chosen && named.length > 1) throw new UsageError(`${path} has several profiles (${named.join(', ')}) and no [default]; keep one profile in the file.`);
  const accessKeyId = chosen?.aws_access_key_id;
  const secretAccessKey = chosen?.aws_secret_access_key;
  if (!accessKeyId || !secretAccessKey) throw new UsageError(`${path} needs aws_access_key_id = … and aws_secret_access_key = … lines.`);
  return { accessKeyId, secretAccessKey, ...(chosen.aws_session_token ? { sessionToken: chosen.aws_session_token } : {}) };
}

function credentials(values: ArtifactValues): BucketCredentials {
  const file = values['s3-credentials-file'];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--s3-credentials-file ${file} cannot be read: ${(error as Error).message}`);
    }
    return parseCredentialsFile(text, file);
  }
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError('The bucket needs a key: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --s3-credentials-file PATH.');
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The artifact store the flags name; undefined (Redis) without --artifacts. */
export function artifactStoreOption(values: ArtifactValues): ArtifactStoreConfig | undefined {
  const spec = values.artifacts;
  if (spec === undefined || spec === 'redis') {
    if (values['s3-endpoint'] || values['s3-region'] || values['s3-path-style'] || values['s3-credentials-file']) {
      throw new UsageError('--s3-endpoint, --s3-region, --s3-path-style and --s3-credentials-file apply only with --artifacts s3://BUCKET/PREFIX.');
    }
    return undefined;
  }
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(spec);
  if (!match) throw new UsageError(`--artifacts takes s3://BUCKET/PREFIX (or redis), not "${spec}".`);
  const parsed = artifactLocationSchema.safeParse({
    kind: 's3',
    bucket: match[1],
    prefix: (match[2] ?? '').replace(/\/+$/, '') || DEFAULT_BUCKET_PREFIX,
    region: values['s3-region'] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_BUCKET_REGION,
    ...(values['s3-endpoint'] ? { endpoint: values['s3-endpoint'] } : {}),
    pathStyle: values['s3-path-style'] ?? false,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join(' '));
  if (parsed.data.kind !== 's3') throw new UsageError('--artifacts takes s3://BUCKET/PREFIX.');
  return { ...parsed.data, credentials: credentials(values) };
}

/** Says at once, in words to act on, when the bucket cannot be written, read and cleaned up with this key. */
export async function reachBucket(artifacts: ArtifactStoreConfig | undefined): Promise<void> {
  if (artifacts?.kind !== 's3') return;
  const { credentials: key, ...location } = artifacts;
  const check = await checkBucket(location, key, 5000);
  if (!check.ok) throw new CommandFailed(check.message);
}
