// Downloads a FLUX.2 repository in the diffusers layout from the Hugging Face hub (or HF_ENDPOINT) into the studio's
// model cache with @huggingface/hub: only the files a base model needs, with progress, resuming a file from its
// `.incomplete` part after a cut connection (retried at once) or a quit (the next `model add`), every file checked
// against the hub's hash, and files already in a Hugging Face cache used where they are.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { downloadFile, HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import type { ModelDownloadProgress } from '@lora-studio/api';
import { completeCachedSnapshot, findCachedFile, huggingFaceCacheDirs } from './hf-cache';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** The folders of a diffusers FLUX.2 repository a base model needs; BFL's root single files are skipped. */
const COMPONENTS = new Set(['transformer', 'text_encoder', 'tokenizer', 'vae', 'scheduler']);
const OTHER_WEIGHT_FORMATS = /\.(bin|pt|pth|ckpt|msgpack|h5|onnx|gguf)$/i;

/** The contract's progress event is what the download reports. */
export type DownloadProgress = ModelDownloadProgress;

export interface HubDownloadOptions {
  repo: string;
  /** Branch, tag or commit; default main. */
  revision?: string;
  /** The studio's model cache; the model lands in <cacheDir>/<org>--<name>/<commit>/. */
  cacheDir: string;
  /** Else HF_TOKEN from env. */
  token?: string;
  /** Else HF_ENDPOINT from env, else huggingface.co. */
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
  /** Hugging Face caches to reuse files from; default the ones HF_HUB_CACHE / HF_HOME / ~/.cache name. */
  huggingFaceCaches?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Resumes after a cut connection before giving up on a file. */
  retries?: number;
}

export interface HubDownloadResult {
  dir: string;
  repo: string;
  /** The commit the files come from. */
  revision: string;
  /** Files taken from a Hugging Face cache instead of the network. */
  reused: string[];
  bytesDownloaded: number;
}

/** Every failure the user can act on, as a sentence saying what to do. */
export class HubDownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubDownloadError';
  }
}

export class DownloadCancelledError extends Error {
  constructor(repo: string) {
    super(`The download of ${repo} was stopped. Add it again to continue where it stopped.`);
    this.name = 'DownloadCancelledError';
  }
}

interface RepoFile {
  path: string;
  size: number;
  /** The hub's id of the content: sha256 for LFS files, the git blob sha1 otherwise. */
  etag: string;
  lfs: boolean;
}

export const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isRepoId(source: string): boolean {
  return REPO_ID.test(source) && !source.includes('..');
}

export async function downloadFromHub(options: HubDownloadOptions): Promise<HubDownloadResult> {
  const env = options.env ?? process.env;
  const { repo } = options;
  if (!isRepoId(repo)) throw new HubDownloadError(`"${repo}" is not a Hugging Face repository id. Write it as owner/name, e.g. black-forest-labs/FLUX.2-klein-base-4B.`);
  const hubUrl = (options.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const accessToken = (options.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN ?? '').trim() || undefined;
  if (accessToken && !accessToken.startsWith('hf_')) {
    throw new HubDownloadError('That Hugging Face token does not start with "hf_". Copy a read token from https://huggingface.co/settings/tokens.');
  }
  const signal = options.signal;
  const fetchWithSignal: typeof fetch = (input, init) => fetch(input, { ...init, signal });
  const failure = (error: unknown, doing: string): Error => {
    if (signal?.aborted) return new DownloadCancelledError(repo);
    return explainHubError(error, repo, hubUrl, Boolean(accessToken), doing);
  };
  /** Before any file: a connection problem is the user's to fix (address, network), not one to retry. */
  const lookupFailure = (error: unknown, doing: string): Error => {
    const explained = failure(error, doing);
    return explained instanceof ConnectionError
      ? new HubDownloadError(`Cannot reach ${hubUrl} to ${doing} ${repo} (${explained.message}). Check the network connection (or HF_ENDPOINT) and try again.`)
      : explained;
  };

  let commit: string;
  let gated: false | 'auto' | 'manual';
  try {
    const info = await modelInfo({ name: repo, hubUrl, accessToken, revision: options.revision, additionalFields: ['sha'], fetch: fetchWithSignal });
    commit = info.sha;
    gated = info.gated;
  } catch (error) {
    throw lookupFailure(error, 'look up');
  }
  if (gated && !accessToken) throw gatedError(repo, hubUrl, false);
  if (!/^[0-9a-f]{40}$/.test(commit ?? '')) throw new HubDownloadError(`${hubUrl} did not say which commit ${repo} is at. Try again later or pass a commit with --revision.`);

  const files: RepoFile[] = [];
  try {
    for await (const entry of listFiles({ repo, recursive: true, revision: commit, hubUrl, accessToken, fetch: fetchWithSignal })) {
      if (entry.type !== 'file' || !isNeeded(entry.path)) continue;
      const etag = entry.lfs?.oid ?? entry.oid;
      if (!etag) throw new HubDownloadError(`${hubUrl} listed ${entry.path} without a content id; try again later.`);
      files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, etag, lfs: entry.lfs !== undefined });
    }
  } catch (error) {
    throw error instanceof HubDownloadError ? error : lookupFailure(error, 'list the files of');
  }
  if (!files.some((f) => f.path === 'model_index.json')) {
    throw new HubDownloadError(`${repo} is not in the Hugging Face diffusers layout (it has no model_index.json). Download its files yourself and add them with "model add --transformer FILE --vae FILE --text-encoder DIR".`);
  }

  const caches = options.huggingFaceCaches ?? huggingFaceCacheDirs(env);
  const snapshot = completeCachedSnapshot(caches, repo, commit, files);
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  if (snapshot) {
    options.onProgress?.({ repo, file: null, filesDone: files.length, fileCount: files.length, bytesDone: bytesTotal, bytesTotal, bytesPerSecond: 0, etaSeconds: 0 });
    return { dir: snapshot, repo, revision: commit, reused: files.map((f) => f.path), bytesDownloaded: 0 };
  }

  const dir = join(options.cacheDir, repo.split('/').join('--'), commit);
  const reused: string[] = [];
  const progress = new ProgressMeter(repo, files.length, bytesTotal, options.onProgress);
  for (const file of files) {
    const target = join(dir, ...file.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    if (isComplete(target, file.size)) {
      progress.fileDone(file.size);
      continue;
    }
    const cached = findCachedFile(caches, repo, commit, file);
    if (cached) {
      linkInPlace(cached, target);
      reused.push(file.path);
      progress.fileDone(file.size);
      continue;
    }
    await fetchFile(file, target, { repo, commit, hubUrl, accessToken, fetch: fetchWithSignal, retries: options.retries ?? 5, progress, failure });
  }
  return { dir, repo, revision: commit, reused, bytesDownloaded: progress.transferred };
}

function isNeeded(path: string): boolean {
  const parts = path.split('/');
  if (parts.length === 1) return !/\.safetensors$/i.test(path) && !OTHER_WEIGHT_FORMATS.test(path) && /\.(json|md|txt)$|^LICENSE/i.test(path);
  return COMPONENTS.has(parts[0]!) && !OTHER_WEIGHT_FORMATS.test(path);
}

function isComplete(path: string, size: number): boolean {
  try {
    return statSync(path).size === size;
  } catch {
    return false;
  }
}

/** A hard link where the cache shares the disk (no extra space, no dangling risk), else a symbolic link. */
function linkInPlace(existing: string, target: string): void {
  rmSync(target, { force: true });
  try {
    linkSync(existing, target);
  } catch {
    symlinkSync(existing, target);
  }
}

interface FetchContext {
  repo: string;
  commit: string;
  hubUrl: string;
  accessToken: string | undefined;
  fetch: typeof fetch;
  retries: number;
  progress: ProgressMeter;
  failure: (error: unknown, doing: string) => Error;
}

/** A server that answers a resumed request with the whole file would corrupt the part; start that file over. */
class RangeIgnoredError extends Error {}

async function fetchFile(file: RepoFile, target: string, ctx: FetchContext): Promise<void> {
  const part = `${target}.incomplete`;
  const rangeChecked: typeof fetch = async (input, init) => {
    const response = await ctx.fetch(input, init);
    const range = new Headers(init?.headers).get('Range');
    const start = range ? Number(/^bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    if (start > 0 && response.status === 200) {
      await response.body?.cancel();
      throw new RangeIgnoredError();
    }
    return response;
  };
  for (let attempt = 0; ; attempt++) {
    let have = existsSync(part) ? statSync(part).size : 0;
    if (have > file.size) {
      truncateSync(part, 0);
      have = 0;
    }
    ctx.progress.startFile(file.path, have);
    try {
      if (have < file.size) {
        const blob = await downloadFile({ repo: ctx.repo, path: file.path, revision: ctx.commit, hubUrl: ctx.hubUrl, accessToken: ctx.accessToken, fetch: rangeChecked, xet: false });
        if (!blob) throw new HubDownloadError(`${ctx.repo} lists ${file.path} but the hub has no such file. Try again later.`);
        const body = (have > 0 ? blob.slice(have) : blob).stream() as unknown as NodeReadableStream;
        await appendStream(body, part, ctx.progress);
      }
      const size = statSync(part).size;
      if (size !== file.size) throw new Error(`the connection ended at ${size} of ${file.size} bytes`);
      if ((await contentId(part, file.lfs)) !== file.etag) {
        rmSync(part, { force: true });
        throw new HubDownloadError(`${file.path} of ${ctx.repo} arrived damaged (its checksum differs from the hub's). Add the model again to download that file afresh.`);
      }
      renameSync(part, target);
      ctx.progress.fileDone(file.size);
      return;
    } catch (error) {
      if (error instanceof HubDownloadError) throw error;
      if (error instanceof RangeIgnoredError || (error as Error)?.cause instanceof RangeIgnoredError) {
        truncateSync(part, 0);
        continue;
      }
      const explained = ctx.failure(error, 'download');
      if (!(explained instanceof ConnectionError) || attempt >= ctx.retries) {
        if (explained instanceof ConnectionError) {
          const got = existsSync(part) ? statSync(part).size : 0;
          throw new HubDownloadError(`The download of ${file.path} stopped at ${got} of ${file.size} bytes (${explained.message}). Run the same "model add" again to resume it.`);
        }
        throw explained;
      }
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1))); // give a flaky link a moment before resuming
    }
  }
}

/**
 * Appends every chunk as it arrives, each write awaited: when the connection is cut, all bytes received are on disk
 * (a stream pipeline would drop its buffered writes on the error), so the resume starts exactly after them.
 */
async function appendStream(body: NodeReadableStream, part: string, progress: ProgressMeter): Promise<void> {
  const handle = await open(part, 'a');
  try {
    for await (const chunk of Readable.fromWeb(body)) {
      await handle.write(chunk as Uint8Array);
      progress.received((chunk as Uint8Array).length);
    }
  } finally {
    await handle.close();
  }
}

/** The id the hub lists for a file: sha256 of the content for LFS, git's blob sha1 otherwise. */
async function contentId(path: string, lfs: boolean): Promise<string> {
  const hash = lfs ? createHash('sha256') : createHash('sha1').update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A cut or refused connection: worth resuming. */
class ConnectionError extends Error {}

function gatedError(repo: string, hubUrl: string, hadToken: boolean): HubDownloadError {
  return new HubDownloadError(
    hadToken
      ? `Your Hugging Face token has no access to ${repo}. Accept the model's terms at ${hubUrl}/${repo} with the account the token belongs to, then try again.`
      : `${repo} is a gated model: accept its terms at ${hubUrl}/${repo}, then give a Hugging Face read token (the token field, or HF_TOKEN=hf_… on the command line).`,
  );
}

function explainHubError(error: unknown, repo: string, hubUrl: string, hadToken: boolean, doing: string): Error {
  if (error instanceof HubDownloadError || error instanceof DownloadCancelledError) return error;
  if (error instanceof HubApiError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      const gated = /gated|restricted|access/i.test(error.message);
      if (gated || hadToken) return gatedError(repo, hubUrl, hadToken);
      return new HubDownloadError(`${hubUrl} refused to ${doing} ${repo} (${error.statusCode}). If it is private, set HF_TOKEN or give a token.`);
    }
    if (error.statusCode === 404) return new HubDownloadError(`${hubUrl} has no model ${repo} (or it is private: give a token). Check the name.`);
    if (error.statusCode >= 500) return new ConnectionError(`the hub answered ${error.statusCode}`);
    return new HubDownloadError(`${hubUrl} refused to ${doing} ${repo} (${error.statusCode}: ${error.message.split('. URL:')[0]}).`);
  }
  const message = error instanceof Error ? [error.message, (error.cause as Error | undefined)?.message].filter(Boolean).join(': ') : String(error);
  return new ConnectionError(message || 'the connection was cut');
}

/** Bytes, rate and ETA; events at most every 250 ms while bytes flow, and at every file boundary. */
class ProgressMeter {
  /** Bytes fetched from the network in this session (the rate counts only these). */
  transferred = 0;
  private completedBytes = 0;
  private partBytes = 0;
  private filesDone = 0;
  private current: string | null = null;
  private started = 0;
  private lastEmit = 0;

  constructor(private readonly repo: string, private readonly fileCount: number, private readonly total: number, private readonly listener?: (p: DownloadProgress) => void) {}

  startFile(path: string, alreadyThere: number): void {
    this.current = path;
    this.partBytes = alreadyThere;
    this.emit(true);
  }

  received(bytes: number): void {
    if (this.started === 0) this.started = Date.now();
    this.transferred += bytes;
    this.partBytes += bytes;
    this.emit(false);
  }

  fileDone(size: number): void {
    this.completedBytes += size;
    this.partBytes = 0;
    this.filesDone += 1;
    this.current = null;
    this.emit(true);
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.lastEmit < 250) return;
    this.lastEmit = now;
    const seconds = this.started ? (now - this.started) / 1000 : 0;
    const rate = seconds > 0 ? this.transferred / seconds : 0;
    const bytesDone = Math.min(this.total, this.completedBytes + this.partBytes);
    this.listener({
      repo: this.repo,
      file: this.current,
      filesDone: this.filesDone,
      fileCount: this.fileCount,
      bytesDone,
      bytesTotal: this.total,
      bytesPerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? Math.ceil((this.total - bytesDone) / rate) : null,
    });
  }
}
