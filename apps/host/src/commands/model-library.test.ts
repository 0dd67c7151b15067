import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHub, writeTinyBflFiles, writeTinyDiffusersModel } from '@lora-studio/models/model-library/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli';

const root = mkdtempSync(join(tmpdir(), 'ls-cli-models-'));
const home = join(root, 'home');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { LORA_STUDIO_HOME: home, HF_HUB_CACHE: join(root, 'no-hf-cache'), ...env });

describe('model add and model list', () => {
  it('adds a diffusers folder, BFL files and a hub repository, and lists them as JSON', async () => {
    const folder = writeTinyDiffusersModel(join(root, 'tiny-klein-base'), { isDistilled: false });
    const fromFolder = await cli(['model', 'add', folder]);
    expect(fromFolder.stderr).toBe('');
    expect(fromFolder.stdout).toMatch(/^Added tiny-klein-base {2}FLUX\.2-shaped model .* · base$/m);

    const files = writeTinyBflFiles(join(root, 'bfl'));
    const fromFiles = await cli(['model', 'add', '--transformer', files.transformer, '--vae', files.vae, '--text-encoder', files.textEncoder, '--name', 'bfl-klein']);
    expect(fromFiles.code).toBe(0);
    expect(fromFiles.stdout).toMatch(/^Added bfl-klein /m);

    const hub = await startTestHub({ repo: 'test-org/tiny-hub-model', folder: writeTinyDiffusersModel(join(root, 'served'), { isDistilled: true }), gated: true });
    try {
      const refused = await cli(['model', 'add', 'test-org/tiny-hub-model'], { HF_ENDPOINT: hub.url });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(`test-org/tiny-hub-model is a gated model: accept its terms at ${hub.url}/test-org/tiny-hub-model, then give a Hugging Face read token (the token field, or HF_TOKEN=hf_… on the command line).`);
      const fromHub = await cli(['model', 'add', 'test-org/tiny-hub-model', '--name', 'hub-model'], { HF_ENDPOINT: hub.url, HF_TOKEN: 'hf_cli' });
      expect(fromHub.code).toBe(0);
      expect(fromHub.stderr, fromHub.stderr).toMatch(/\[#{20}\] 100% .* \(14\/14 files\)/);
    } finally {
      await hub.close();
    }

    const listed = await cli(['model', 'list', '--json']);
    const models = JSON.parse(listed.stdout) as { name: string; kind: string; sourceRepo: string | null; description: { training: string; complete: boolean } }[];
    expect(models.map((m) => [m.name, m.kind, m.sourceRepo, m.description.training, m.description.complete])).toEqual([
      ['bfl-klein', 'bfl-files', null, 'base', true],
      ['hub-model', 'diffusers', 'test-org/tiny-hub-model', 'distilled', true],
      ['tiny-klein-base', 'diffusers', null, 'base', true],
    ]);

    const notThere = await cli(['model', 'add', join(root, 'nothing')]);
    expect(notThere.code).toBe(2);
    expect(notThere.stderr).toMatch(/is neither a folder on this machine nor a Hugging Face repository id/);
  }, 60_000);
});
