import { DEFAULT_BUCKET_PREFIX, DEFAULT_BUCKET_REGION, type ArtifactStoreSettings, type ArtifactStoreSettingsInput } from '@lora-studio/api';

/** What the form edits for the queue's files; the secret access key is kept apart (it never comes back). */
export interface BucketFieldValues {
  kind: 'redis' | 's3';
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string;
  pathStyle: boolean;
  accessKeyId: string;
}

export function bucketFieldsFrom(saved: ArtifactStoreSettings | undefined): BucketFieldValues {
  if (saved?.kind === 's3') {
    return { kind: 's3', bucket: saved.bucket, prefix: saved.prefix, region: saved.region, endpoint: saved.endpoint ?? '', pathStyle: saved.pathStyle, accessKeyId: saved.accessKeyId };
  }
  return { kind: 'redis', bucket: '', prefix: DEFAULT_BUCKET_PREFIX, region: DEFAULT_BUCKET_REGION, endpoint: '', pathStyle: false, accessKeyId: '' };
}

/** The request's artifact store; an empty secret access key keeps the stored one. */
export function bucketInput(v: BucketFieldValues, secretAccessKey: string): ArtifactStoreSettingsInput {
  if (v.kind === 'redis') return { kind: 'redis' };
  const endpoint = v.endpoint.trim();
  return {
    kind: 's3', bucket: v.bucket.trim(), prefix: v.prefix.trim() || DEFAULT_BUCKET_PREFIX, region: v.region.trim() || DEFAULT_BUCKET_REGION,
    ...(endpoint ? { endpoint } : {}), pathStyle: v.pathStyle, accessKeyId: v.accessKeyId.trim(), ...(secretAccessKey ? { secretAccessKey } : {}),
  };
}

const kinds: Record<BucketFieldValues['kind'], { label: string; explanation: string }> = {
  redis: { label: 'Through Redis', explanation: 'Images, checkpoints, samples and LoRAs travel through the queue itself and expire after a week. Nothing else to set up.' },
  s3: { label: 'An S3-compatible bucket', explanation: 'AWS S3, MinIO, Cloudflare R2, Ceph… Redis then carries only the jobs and their progress; every worker is started with the same bucket.' },
};

/** Settings → Compute: where the run queue's files travel, and the bucket's place and key when it is a bucket. */
export function BucketFields({ values, onChange, secretAccessKey, onSecretAccessKey, secretStored, disabled }: {
  values: BucketFieldValues;
  onChange: (change: Partial<BucketFieldValues>) => void;
  secretAccessKey: string;
  onSecretAccessKey: (value: string) => void;
  secretStored: boolean;
  disabled: boolean;
}) {
  const text = (key: 'bucket' | 'prefix' | 'region' | 'endpoint' | 'accessKeyId', label: string, hint: string, placeholder: string) => (
    <label className="field">
      <span className="field-label">
        {label} <span className="optional">{hint}</span>
      </span>
      <input className="input mono" data-testid={`compute-s3-${key}`} value={values[key]} onChange={(e) => onChange({ [key]: e.target.value })} placeholder={placeholder} spellCheck={false} autoComplete="off" disabled={disabled} />
    </label>
  );
  return (
    <>
      <fieldset className="field type-choice">
        <legend className="field-label">Where the queue's files travel</legend>
        {(Object.keys(kinds) as BucketFieldValues['kind'][]).map((k) => (
          <label key={k} className={`type-option${values.kind === k ? ' selected' : ''}`}>
            <input type="radio" name="compute-artifacts" value={k} data-testid={`compute-artifacts-${k}`} checked={values.kind === k} disabled={disabled} onChange={() => onChange({ kind: k })} />
            <span>
              <span className="type-name">{kinds[k].label}</span>
              <span className="type-explanation">{kinds[k].explanation}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {values.kind === 's3' && (
        <>
          {text('bucket', 'Bucket', 'created beforehand; give it a lifecycle rule that deletes old files', 'lora-runs')}
          {text('prefix', 'Prefix', 'the folder inside the bucket', DEFAULT_BUCKET_PREFIX)}
          {text('endpoint', 'Endpoint URL', 'empty for AWS S3; MinIO, R2, Ceph… give theirs', 'http://minio.local:9000')}
          {text('region', 'Region', 'R2 takes auto', DEFAULT_BUCKET_REGION)}
          <label className="field settings-check">
            <input type="checkbox" data-testid="compute-s3-path-style" checked={values.pathStyle} disabled={disabled} onChange={(e) => onChange({ pathStyle: e.target.checked })} />
            <span>
              Path-style addresses <span className="optional">host/bucket/file instead of bucket.host/file; MinIO and Ceph usually need it</span>
            </span>
          </label>
          {text('accessKeyId', 'Access key id', 'a key that may list the bucket and read, write and delete under the prefix', 'AKIA…')}
          <label className="field">
            <span className="field-label">
              Secret access key <span className="optional">{secretStored ? 'stored; leave empty to keep it' : 'kept with the app settings, never in a project'}</span>
            </span>
            <input className="input mono" type="password" autoComplete="off" data-testid="compute-s3-secret" value={secretAccessKey} onChange={(e) => onSecretAccessKey(e.target.value)} placeholder={secretStored ? '••••••••' : ''} disabled={disabled} />
          </label>
        </>
      )}
    </>
  );
}
