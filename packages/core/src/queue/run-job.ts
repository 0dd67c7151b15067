// What travels on the queue for one run: the job (signed), and the dataset manifest it points to (an artifact, so
// its sha256 inside the signed job vouches for it). Everything read from the queue is parsed here before use.
import { artifactLocationSchema, DEFAULT_BASE_MODEL, loraTypes, type ArtifactLocation, MAX_REFERENCE_IMAGES, trainingOverridesSchema, workerLabelSchema, type TrainingOverrides } from '@lora-studio/api';
import { checkJobPath } from './job-paths';
import { signPayload, verifyPayload } from './job-signature';
import { isArtifactRef, type ArtifactRef } from './artifact-store';

export const RUN_JOB_VERSION = 1;

export interface RunJob {
  version: typeof RUN_JOB_VERSION;
  /** Names the run across machines and restarts (a UUID): its events, state and artifacts are keyed by it. */
  runKey: string;
  /** The run's display name. */
  name: string;
  /** A model id the worker resolves in its own library: 'default' or a library name, never a path. */
  base: string;
  type?: string;
  trigger?: string;
  overrides: TrainingOverrides;
  /** The dataset manifest (JSON), uploaded as an artifact. */
  dataset: ArtifactRef;
  /** Only workers that have every one of these labels take the run; none = any worker. */
  labels: string[];
  /** CPU threads per session; fixed across a run and its resumes for bit-identical results. */
  threads?: number;
  /**
   * Where the run's files are (its dataset, then its checkpoints, samples and LoRA): a bucket, never its
   * credentials. Absent: in Redis. Signed with the rest, so nobody can point a worker at another bucket.
   */
  artifacts?: ArtifactLocation;
  submittedAt: string;
}

export interface SignedRunJob {
  job: RunJob;
  signature: string;
}

/** One training image as the worker rebuilds it: the same fields the trainer reads from a project or a folder. */
export interface ManifestImage {
  name: string;
  file: ArtifactRef;
  /** The image file's extension, e.g. ".png" (the worker names its copy by the sha256). */
  ext: string;
  /** The key of its cached encodings (sha256 of the original bytes). */
  contentHash: string;
  caption: string | null;
  crop: { x: number; y: number; width: number; height: number } | null;
  repeats: number;
  mask: { file: ArtifactRef; ext: string; hash: string } | null;
  /** Edit LoRAs: the image's reference pictures in order (absent in manifests from before references). */
  references?: { file: ArtifactRef; ext: string; hash: string; name: string }[];
}

export interface DatasetManifest {
  version: 1;
  project?: { name: string; type: string; trigger: string };
  images: ManifestImage[];
}

const RUN_KEY = /^[A-Za-z0-9-]{8,64}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff'];

export class BadJobError extends Error {
  override name = 'BadJobError';
}

/** `--labels a,b` → ['a', 'b'], refusing names a worker could not match. */
export function parseLabels(text: string | undefined): string[] {
  if (!text) return [];
  const labels = text.split(',').map((l) => l.trim()).filter((l) => l.length > 0);
  for (const l of labels) {
    if (!workerLabelSchema.safeParse(l).success) throw new BadJobError(`"${l}" is not a usable label: letters, digits, ".", "_" and "-", at most 40 characters.`);
  }
  return [...new Set(labels)].sort();
}

/** A model id, not a path: the worker looks it up in its own library. */
export function checkModelId(base: unknown): string {
  if (base === DEFAULT_BASE_MODEL) return base;
  if (typeof base !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$/.test(base) || base.includes('..')) {
    throw new BadJobError(`The base model ${JSON.stringify(base)} is not a model id. A queued run names its base model by id ('default' or a name from "lora-studio model list" on the worker), never by a path.`);
  }
  return base;
}

export function signRunJob(job: RunJob, secret: string, queueName: string): SignedRunJob {
  return { job, signature: signPayload(job, secret, queueName) };
}

/** The job when its signature verifies and every field is well-formed; BadJobError with the reason otherwise. */
export function openRunJob(data: unknown, secret: string, queueName: string): RunJob {
  const signed = data as Partial<SignedRunJob> | null;
  if (!signed || typeof signed !== 'object' || !signed.job || typeof signed.job !== 'object') throw new BadJobError('The job carries no run.');
  if (!verifyPayload(signed.job, signed.signature, secret, queueName)) {
    throw new BadJobError('The job signature does not verify: it was not made by a studio that shares this queue\'s name and secret.');
  }
  const j = signed.job as unknown as Record<string, unknown>;
  if (j.version !== RUN_JOB_VERSION) throw new BadJobError(`The job has format ${String(j.version)}; this worker reads format ${RUN_JOB_VERSION}. Update the worker.`);
  if (typeof j.runKey !== 'string' || !RUN_KEY.test(j.runKey)) throw new BadJobError('The job has no usable run key.');
  if (typeof j.name !== 'string' || j.name.length > 200) throw new BadJobError('The job has no usable run name.');
  checkModelId(j.base);
  if (j.type !== undefined && (typeof j.type !== 'string' || !(loraTypes as readonly string[]).includes(j.type))) throw new BadJobError('The job names an unknown LoRA type.');
  if (j.trigger !== undefined && (typeof j.trigger !== 'string' || j.trigger.length > 100)) throw new BadJobError('The job has an unusable trigger word.');
  const overrides = trainingOverridesSchema.safeParse(j.overrides);
  if (!overrides.success) throw new BadJobError(`The job's training settings are not valid: ${overrides.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (!isArtifactRef(j.dataset)) throw new BadJobError('The job has no usable dataset reference.');
  if (!Array.isArray(j.labels) || !j.labels.every((l) => workerLabelSchema.safeParse(l).success)) throw new BadJobError('The job has unusable labels.');
  if (j.threads !== undefined && (!Number.isInteger(j.threads) || (j.threads as number) < 1 || (j.threads as number) > 256)) throw new BadJobError('The job has an unusable thread count.');
  const artifacts = j.artifacts === undefined ? undefined : artifactLocationSchema.safeParse(j.artifacts);
  if (artifacts && !artifacts.success) throw new BadJobError(`The job names an unusable place for its files: ${artifacts.error.issues.map((i) => i.message).join('; ')}`);
  return { ...(signed.job as RunJob), overrides: overrides.data, ...(artifacts ? { artifacts: artifacts.data } : {}) };
}

/** At most three, each a stored file of an image extension with its hash and a short printable name. */
function usableReferences(refs: unknown): boolean {
  return Array.isArray(refs) && refs.length <= MAX_REFERENCE_IMAGES && refs.every((r: ManifestImage['mask'] & { name?: unknown }) =>
    isArtifactRef(r?.file) && EXTENSIONS.includes(r.ext) && typeof r.hash === 'string' && SHA256.test(r.hash)
    && typeof r.name === 'string' && r.name.length > 0 && r.name.length <= 300 && !/[\u0000-\u001f]/.test(r.name));
}

/** Parses a downloaded manifest (its bytes already matched the sha256 in the signed job). */
export function parseManifest(bytes: Uint8Array): DatasetManifest {
  let m: DatasetManifest;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8')) as DatasetManifest;
  } catch {
    throw new BadJobError('The dataset manifest is not JSON.');
  }
  if (m?.version !== 1 || !Array.isArray(m.images) || m.images.length === 0 || m.images.length > 100_000) {
    throw new BadJobError('The dataset manifest lists no images.');
  }
  for (const image of m.images) {
    checkJobPath(image.name, 'an image name');
    if (!isArtifactRef(image.file) || !EXTENSIONS.includes(image.ext) || typeof image.contentHash !== 'string' || !SHA256.test(image.contentHash)) {
      throw new BadJobError(`The dataset manifest's entry for ${image.name} is not usable.`);
    }
    if (image.caption !== null && typeof image.caption !== 'string') throw new BadJobError(`The caption of ${image.name} is not text.`);
    if (!Number.isInteger(image.repeats) || image.repeats < 1 || image.repeats > 1000) throw new BadJobError(`The repeats of ${image.name} are not usable.`);
    if (image.crop !== null && !['x', 'y', 'width', 'height'].every((k) => Number.isFinite((image.crop as unknown as Record<string, unknown>)?.[k]))) {
      throw new BadJobError(`The crop of ${image.name} is not usable.`);
    }
    if (image.mask !== null && (!isArtifactRef(image.mask?.file) || !EXTENSIONS.includes(image.mask.ext) || !SHA256.test(image.mask.hash))) {
      throw new BadJobError(`The mask of ${image.name} is not usable.`);
    }
    if (image.references !== undefined && !usableReferences(image.references)) throw new BadJobError(`The reference images of ${image.name} are not usable.`);
  }
  return m;
}
