// Jobs from the queue are hostile until proven otherwise: signatures, model ids, labels and paths.
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkJobPath, jobPathIn } from './job-paths';
import { canonicalJson, verifyPayload } from './job-signature';
import { BadJobError, openRunJob, parseLabels, parseManifest, signRunJob, type RunJob } from './run-job';

const ref = { sha256: 'a'.repeat(64), size: 10 };
const job: RunJob = {
  version: 1, runKey: '0b9c6a8e-4f5d-4a63-9d59-2b0f0d6a1c11', name: 'run 1', base: 'default', type: 'style', trigger: 'flt',
  overrides: { steps: 4, seed: 3 }, dataset: ref, labels: ['gpu-24gb'], submittedAt: '2026-01-01T00:00:00.000Z',
};

describe('run jobs', () => {
  it('open when signed with the same secret and queue name, and are refused otherwise', () => {
    const signed = signRunJob(job, 's3cret', 'q');
    expect(openRunJob(signed, 's3cret', 'q')).toEqual(job);
    expect(() => openRunJob(signed, 'other', 'q')).toThrow(/signature does not verify/);
    expect(() => openRunJob(signed, 's3cret', 'other-queue')).toThrow(/signature does not verify/);
    expect(() => openRunJob({ ...signed, job: { ...job, overrides: { steps: 4000 } } }, 's3cret', 'q')).toThrow(/signature does not verify/);
    expect(() => openRunJob({ job, signature: 'zz' }, 's3cret', 'q')).toThrow(BadJobError);
    expect(() => openRunJob(null, 's3cret', 'q')).toThrow(BadJobError);
  });

  it('sign the same value the same way whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }] })).toBe('{"a":[{"c":"x","d":2}],"b":1}');
    expect(verifyPayload({ b: 1, a: 2 }, signRunJob({ ...job }, 'k', 'q').signature, 'k', 'q')).toBe(false);
  });

  it('name their base model by id, never by a path, and carry valid settings only', () => {
    for (const base of ['/etc', '../models/x', 'C:\\models', 'a/b']) {
      expect(() => openRunJob(signRunJob({ ...job, base }, 'k', 'q'), 'k', 'q')).toThrow(/not a model id/);
    }
    expect(() => openRunJob(signRunJob({ ...job, overrides: { steps: -1 } }, 'k', 'q'), 'k', 'q')).toThrow(/training settings are not valid/);
    expect(openRunJob(signRunJob({ ...job, base: 'klein 4B' }, 'k', 'q'), 'k', 'q').base).toBe('klein 4B');
  });

  it('labels are plain names', () => {
    expect(parseLabels('gpu-24gb, cuda,gpu-24gb')).toEqual(['cuda', 'gpu-24gb']);
    expect(() => parseLabels('a b')).toThrow(/not a usable label/);
  });
});

describe('paths from the queue', () => {
  it('are plain relative names', () => {
    expect(checkJobPath('samples/step-10.png', 'a sample')).toBe('samples/step-10.png');
    for (const bad of ['/etc/passwd', '../x', 'a/../../b', 'a\\b', 'C:/x', '', 'a//b', './a', 'a\0b']) {
      expect(() => checkJobPath(bad, 'a sample')).toThrow(/was not used/);
    }
  });

  it('never lead out of their folder, links included', () => {
    const root = mkdtempSync(join(tmpdir(), 'job-paths-'));
    mkdirSync(join(root, 'run'));
    symlinkSync(tmpdir(), join(root, 'run', 'out'));
    expect(jobPathIn(join(root, 'run'), 'samples/a.png', 'a sample')).toBe(join(root, 'run', 'samples', 'a.png'));
    expect(() => jobPathIn(join(root, 'run'), 'out/a.png', 'a sample')).toThrow(/outside/);
  });

  it('manifests refuse image names with paths and unknown extensions', () => {
    const image = { name: 'a.png', file: ref, ext: '.png', contentHash: 'b'.repeat(64), caption: 'x', crop: null, repeats: 1, mask: null };
    const bytes = (images: unknown[]) => Buffer.from(JSON.stringify({ version: 1, images }));
    expect(parseManifest(bytes([image])).images).toHaveLength(1);
    expect(() => parseManifest(bytes([{ ...image, name: '../a.png' }]))).toThrow(/was not used/);
    expect(() => parseManifest(bytes([{ ...image, ext: '.sh' }]))).toThrow(/not usable/);
    expect(() => parseManifest(bytes([]))).toThrow(/no images/);
    expect(() => parseManifest(Buffer.from('{'))).toThrow(/not JSON/);
  });
});
