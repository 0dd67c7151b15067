import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadFromHub, type DownloadProgress } from './hub-download';
import { startTestHub, TEST_COMMIT, type TestHub } from './hub-test-server';
import { writeTinyDiffusersModel } from './tiny-model';
import { describeModel } from './describe-model';

const REPO = 'test-org/FLUX.2-tiny-base';
const TRANSFORMER = 'transformer/diffusion_pytorch_model-00001-of-00002.safetensors';
let hub: TestHub | undefined;
const temps: string[] = [];

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-download-'));
  temps.push(dir);
  return dir;
}

/** A repository as FLUX.2 repos are published: the diffusers folders plus BFL's single file at the root. */
function tinyRepo(): string {
  const folder = writeTinyDiffusersModel(join(temp(), 'repo'), { isDistilled: false });
  copyFileSync(join(folder, TRANSFORMER), join(folder, 'flux-2-tiny-base.safetensors'));
  writeFileSync(join(folder, 'README.md'), '# tiny\n');
  return folder;
}

const noCaches = { huggingFaceCaches: [] as string[], env: {} as NodeJS.ProcessEnv };

afterEach(async () => {
  await hub?.close();
  hub = undefined;
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('downloading a model from the hub', () => {
  it('fetches the diffusers folders (not the root single file) with progress, into <cache>/<org>--<name>/<commit>', async () => {
    const folder = tinyRepo();
    hub = await startTestHub({ repo: REPO, folder });
    const events: DownloadProgress[] = [];
    const cache = temp();
    const result = await downloadFromHub({ repo: REPO, cacheDir: cache, endpoint: hub.url, onProgress: (p) => events.push(p), ...noCaches });
    expect(result.revision).toBe(TEST_COMMIT);
    expect(result.dir).toBe(join(cache, 'test-org--FLUX.2-tiny-base', TEST_COMMIT));
    expect(readFileSync(join(result.dir, TRANSFORMER))).toEqual(readFileSync(join(folder, TRANSFORMER)));
    expect(existsSync(join(result.dir, 'flux-2-tiny-base.safetensors'))).toBe(false);
    expect(existsSync(join(result.dir, 'README.md'))).toBe(true);
    const description = describeModel(result.dir);
    expect(description.missing).toEqual([]);
    expect(description.training).toBe('base');

    const last = events.at(-1)!;
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.filesDone).toBe(last.fileCount);
    expect(last.fileCount).toBe(15);
    for (let i = 1; i < events.length; i++) expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
    expect(events.some((e) => e.file === TRANSFORMER)).toBe(true);
    expect(result.bytesDownloaded).toBe(last.bytesTotal);
  });

  it('resumes a file with a Range request after the server drops the connection mid-file', async () => {
    const folder = tinyRepo();
    hub = await startTestHub({ repo: REPO, folder, cutAfter: { [TRANSFORMER]: 300 } });
    const result = await downloadFromHub({ repo: REPO, cacheDir: temp(), endpoint: hub.url, ...noCaches });
    expect(readFileSync(join(result.dir, TRANSFORMER))).toEqual(readFileSync(join(folder, TRANSFORMER)));
    const gets = hub.requests.filter((r) => r.path.endsWith(TRANSFORMER) && r.range !== 'bytes=0-0');
    expect(gets.map((r) => r.range)).toEqual([null, expect.stringMatching(/^bytes=300-/)]);
  });

  it('after a quit (no retries left) says how to resume, and the next run continues from the part it has', async () => {
    const folder = tinyRepo();
    hub = await startTestHub({ repo: REPO, folder, cutAfter: { [TRANSFORMER]: 200 } });
    const cache = temp();
    await expect(downloadFromHub({ repo: REPO, cacheDir: cache, endpoint: hub.url, retries: 0, ...noCaches })).rejects.toThrow(
      /The download of transformer\/diffusion_pytorch_model-00001-of-00002\.safetensors stopped at \d+ of \d+ bytes .*Run the same "model add" again to resume it\./,
    );
    const part = join(cache, 'test-org--FLUX.2-tiny-base', TEST_COMMIT, `${TRANSFORMER}.incomplete`);
    const kept = readFileSync(part).length;
    expect(kept).toBe(200);
    expect(describeModel(dirname(dirname(part))).missing.some((m) => m.includes('whose download is unfinished'))).toBe(true);

    const fetchedBefore = new Set(hub.requests.filter((r) => r.path.includes('/resolve/') && r.range !== 'bytes=0-0').map((r) => r.path));
    fetchedBefore.delete(hub.requests.find((r) => r.path.endsWith(TRANSFORMER))!.path);
    const seen = hub.requests.length;
    const events: DownloadProgress[] = [];
    const result = await downloadFromHub({ repo: REPO, cacheDir: cache, endpoint: hub.url, onProgress: (p) => events.push(p), ...noCaches });
    expect(readFileSync(join(result.dir, TRANSFORMER))).toEqual(readFileSync(join(folder, TRANSFORMER)));
    expect(hub.requests.filter((r) => r.path.endsWith(TRANSFORMER)).at(-1)!.range).toBe(`bytes=${kept}-${readFileSync(join(folder, TRANSFORMER)).length - 1}`);
    // The second run fetched nothing the first one finished.
    expect(fetchedBefore.size).toBeGreaterThan(0);
    expect(hub.requests.slice(seen).filter((r) => fetchedBefore.has(r.path))).toEqual([]);
    expect(events.find((e) => e.file === TRANSFORMER)!.bytesDone).toBeGreaterThan(0);
  });

  it('refuses a gated repository without a token in a sentence, and downloads it with HF_TOKEN', async () => {
    hub = await startTestHub({ repo: REPO, folder: tinyRepo(), gated: true });
    await expect(downloadFromHub({ repo: REPO, cacheDir: temp(), endpoint: hub.url, ...noCaches })).rejects.toThrow(
      `${REPO} is a gated model: accept its terms at ${hub.url}/${REPO}, then give a Hugging Face read token (the token field, or HF_TOKEN=hf_… on the command line).`,
    );
    const result = await downloadFromHub({ repo: REPO, cacheDir: temp(), huggingFaceCaches: [], env: { HF_ENDPOINT: hub.url, HF_TOKEN: 'hf_test' } });
    expect(describeModel(result.dir).complete).toBe(true);
    expect(hub.requests.filter((r) => r.path.includes('/resolve/')).every((r) => r.authorization === 'Bearer hf_test')).toBe(true);
  });

  it('uses a Hugging Face cache snapshot where it is, without fetching a file', async () => {
    const folder = tinyRepo();
    hub = await startTestHub({ repo: REPO, folder });
    const hfCache = temp();
    const snapshot = join(hfCache, 'models--test-org--FLUX.2-tiny-base', 'snapshots', TEST_COMMIT);
    const blobs = join(hfCache, 'models--test-org--FLUX.2-tiny-base', 'blobs');
    mkdirSync(blobs, { recursive: true });
    // The hub cache's own layout: snapshot entries are links into blobs/.
    const first = await downloadFromHub({ repo: REPO, cacheDir: temp(), endpoint: hub.url, ...noCaches });
    const files = readdirSync(first.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const rel of files.map((e) => relative(first.dir, join(e.parentPath, e.name)))) {
      const blob = join(blobs, rel.replace(/\//g, '_'));
      copyFileSync(join(first.dir, rel), blob);
      mkdirSync(dirname(join(snapshot, rel)), { recursive: true });
      symlinkSync(blob, join(snapshot, rel));
    }
    const before = hub.requests.length;
    const result = await downloadFromHub({ repo: REPO, cacheDir: temp(), endpoint: hub.url, env: { HF_HUB_CACHE: hfCache } });
    expect(result.dir).toBe(snapshot);
    expect(result.bytesDownloaded).toBe(0);
    expect(hub.requests.slice(before).some((r) => r.path.includes('/resolve/'))).toBe(false);
    expect(lstatSync(join(snapshot, TRANSFORMER)).isSymbolicLink()).toBe(true);
    // The engine opens the snapshot as it is: its shards are links into blobs/, outside the snapshot folder.
    expect(describeModel(snapshot)).toMatchObject({ complete: true, missing: [], training: 'base' });
  });

  it('names an unknown repository and a hub it cannot reach', async () => {
    hub = await startTestHub({ repo: REPO, folder: tinyRepo() });
    await expect(downloadFromHub({ repo: 'test-org/nothing-here', cacheDir: temp(), endpoint: hub.url, ...noCaches })).rejects.toThrow(/has no model test-org\/nothing-here .*Check the name\./);
    await expect(downloadFromHub({ repo: REPO, cacheDir: temp(), endpoint: 'http://127.0.0.1:9', ...noCaches })).rejects.toThrow(/Cannot reach http:\/\/127\.0\.0\.1:9 to look up/);
    await expect(downloadFromHub({ repo: '../etc', cacheDir: temp(), endpoint: hub.url, ...noCaches })).rejects.toThrow(/is not a Hugging Face repository id/);
  });
});
