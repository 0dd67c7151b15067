// The bucket flags: --artifacts s3://BUCKET/PREFIX with its endpoint, region and path style, and the key from the
// environment or an AWS credentials file (never a flag), each mistake refused with what to write instead.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { artifactStoreOption, parseCredentialsFile } from './artifact-options';

const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
function env(values: Partial<Record<(typeof KEYS)[number], string>>) {
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, values);
}

describe('bucket flags', () => {
  it('read the bucket, prefix, endpoint, region and path style, and the key from the environment', () => {
    env({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-3' });
    expect(artifactStoreOption({})).toBeUndefined();
    expect(artifactStoreOption({ artifacts: 'redis' })).toBeUndefined();
    expect(artifactStoreOption({ artifacts: 's3://lora-runs/team/a/', 's3-endpoint': 'http://minio.local:9000', 's3-path-style': true })).toEqual({
      kind: 's3', bucket: 'lora-runs', prefix: 'team/a', region: 'eu-west-3', endpoint: 'http://minio.local:9000', pathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    expect(artifactStoreOption({ artifacts: 's3://lora-runs', 's3-region': 'auto' })).toMatchObject({ prefix: 'lora-studio', region: 'auto', pathStyle: false });
  });

  it('refuse what cannot be a bucket, and a bucket without a key', () => {
    env({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    expect(() => artifactStoreOption({ artifacts: 'https://bucket' })).toThrow(/--artifacts takes s3:\/\/BUCKET\/PREFIX \(or redis\)/);
    expect(() => artifactStoreOption({ artifacts: 's3://b' })).toThrow(/bucket name takes 3–63/);
    expect(() => artifactStoreOption({ artifacts: 's3://lora-runs/../etc' })).toThrow(/A prefix takes/);
    expect(() => artifactStoreOption({ artifacts: 's3://lora-runs', 's3-endpoint': 'minio.local:9000' })).toThrow(/The endpoint is a URL/);
    expect(() => artifactStoreOption({ 's3-path-style': true })).toThrow(/apply only with --artifacts/);
    env({});
    expect(() => artifactStoreOption({ artifacts: 's3://lora-runs' })).toThrow(/set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --s3-credentials-file/);
    expect(() => artifactStoreOption({ artifacts: 's3://lora-runs', 's3-credentials-file': '/nonexistent/credentials' })).toThrow(/cannot be read/);
  });

  it('read the [default] profile, or the only one, of an AWS credentials file', () => {
    env({});
    const file = join(mkdtempSync(join(tmpdir(), 'aws-credentials-')), 'credentials');
    writeFileSync(file, '# team key\n[other]\naws_access_key_id = NOPE\naws_secret_access_key = nope\n\n[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = se=cret\naws_session_token = tok\n');
    expect(artifactStoreOption({ artifacts: 's3://lora-runs', 's3-credentials-file': file })).toMatchObject({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'se=cret', sessionToken: 'tok' } });
    expect(parseCredentialsFile('[ci]\r\naws_access_key_id=A\r\naws_secret_access_key=B\r\n', 'f')).toEqual({ accessKeyId: 'A', secretAccessKey: 'B' });
    expect(parseCredentialsFile('aws_access_key_id=A\naws_secret_access_key=B\n', 'f')).toEqual({ accessKeyId: 'A', secretAccessKey: 'B' });
    expect(() => parseCredentialsFile('[a]\naws_access_key_id=A\naws_secret_access_key=B\n[b]\naws_access_key_id=C\n', 'f')).toThrow(/several profiles \(a, b\) and no \[default\]/);
    expect(() => parseCredentialsFile('[default]\naws_access_key_id=A\n', 'f')).toThrow(/needs aws_access_key_id = … and aws_secret_access_key = …/);
  });
});
