// What went wrong with a bucket, in words the user can act on. The SDK's errors name an S3 error code (NoSuchBucket,
// AccessDenied…), a bare HTTP status for bodiless replies (HEAD), or a network error code: each maps to one sentence
// that says what to check. Nothing here echoes credentials.
import { bucketPlace, type BucketLocation } from '@lora-studio/api';
import { ArtifactError } from './artifact-store';

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The network error code under an SDK error (the SDK sometimes wraps it). */
function networkCode(error: SdkError): string | undefined {
  for (let e: SdkError | undefined = error, depth = 0; e && depth < 4; e = e.cause as SdkError | undefined, depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** The sentence for a failed bucket request; `doing` is what was being done ("Reading the file 1a2b3c…"). */
export function bucketFailureMessage(error: unknown, location: BucketLocation, doing: string, timeoutMs: number): string {
  const e = (error ?? {}) as SdkError;
  const at = bucketPlace(location);
  const bucket = `"${location.bucket}"`;
  const code = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const net = networkCode(e);
  const why = (() => {
    if (code === 'NoSuchBucket') return `the bucket ${bucket} does not exist at ${at}. Create it there, or correct the bucket name.`;
    if (code === 'InvalidAccessKeyId') return `${at} does not know the access key id. Check it (and that it belongs to this endpoint).`;
    if (code === 'SignatureDoesNotMatch') return `${at} rejected the secret access key (the request's signature does not match). Check the secret access key.`;
    if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException' || status === 301) {
      return `the bucket ${bucket} is not in the region "${location.region}". Set the region the bucket was created in.`;
    }
    if (code === 'RequestTimeTooSkewed') return `${at} refused the request because this machine's clock is wrong. Set the clock (or turn on network time).`;
    if (code === 'AccessDenied' || code === 'Forbidden' || code === 'AllAccessDisabled' || status === 403) {
      return `${at} refused access to the bucket ${bucket}. Check the access key and that it may list the bucket and read, write and delete under "${location.prefix}/".`;
    }
    if (code === 'CredentialsProviderError') return 'no S3 credentials were given. Give an access key id and secret access key.';
    if (net === 'ECONNREFUSED') return `nothing answers at ${at}. Check the endpoint URL (its port) and that the server runs.`;
    if (net === 'ENOTFOUND' || net === 'EAI_AGAIN') return `this machine cannot find the host of ${at}. Check the endpoint's spelling.`;
    if (net === 'EPROTO' || /wrong version number|ssl|tls/i.test(e.message ?? '')) {
      return `${at} did not answer in TLS. If the server has no TLS, write its endpoint with http:// instead of https://.`;
    }
    if (code === 'TimeoutError' || net === 'ETIMEDOUT' || net === 'ECONNRESET' || code === 'RequestTimeout') {
      return `${at} did not answer within ${Math.round(timeoutMs / 1000)} s: a firewall, a wrong port, or a server that is down.`;
    }
    if (status === 404 || code === 'NotFound') return `the bucket ${bucket} does not exist at ${at}. Create it there, or correct the bucket name.`;
    return `${at} answered ${code || 'an error'}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${e.message}` : ''}.`;
  })();
  return `${doing} failed: ${why}`;
}

export function bucketFailure(error: unknown, location: BucketLocation, doing: string, timeoutMs: number): ArtifactError {
  if (error instanceof ArtifactError) return error;
  return new ArtifactError(bucketFailureMessage(error, location, doing, timeoutMs));
}
