import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ProjectCaptions } from '@lora-studio/captions/node';
import { ProjectStore } from '@lora-studio/store';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli';


const cli = (home: string, args: string[]) => runCli(args, { LORA_STUDIO_HOME: home });

describe('lora-studio captions', () => {
  it('auto (template), lint --json and export txt work on a project, and a bad captioner is a usage error', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ls-cli-captions-'));
    const dir = join(home, 'me');
    const store = ProjectStore.create(dir, { name: 'Me', type: 'subject', trigger: 'sks' });
    for (const [i, r] of [200, 40].entries()) {
      await sharp({ create: { width: 30, height: 40, channels: 3, background: { r, g: 40, b: 40 } } }).png().toFile(join(dir, `images/${i}.png`));
      store.db
        .prepare('INSERT INTO images (hash, file, source_name, width, height, format, imported_at) VALUES (?, ?, ?, 30, 40, ?, ?)')
        .run(`h${i}`, `images/${i}.png`, `shot${i}.png`, 'png', new Date().toISOString());
    }
    store.close();

    const auto = await cli(home, ['captions', 'auto', dir, '--captioner', 'template', '--json']);
    expect(auto.code).toBe(0);
    expect(JSON.parse(auto.stdout)).toMatchObject({ total: 2, captioned: 2, stoppedBy: null });

    const lint = await cli(home, ['captions', 'lint', dir, '--json']);
    const report = JSON.parse(lint.stdout);
    expect(report.counts['trigger-missing']).toBe(0);
    expect(report).toMatchObject({ issues: [], leaks: [], flaggedImageIds: [] });

    // A caption without the trigger: the lint names the image by its file, in text and JSON.
    const edited = ProjectStore.open(dir);
    const firstId = (edited.db.prepare("SELECT id FROM images WHERE source_name = 'shot1.png'").get() as { id: number }).id;
    new ProjectCaptions(edited).write('Edit caption', 'edit', [{ imageId: firstId, text: 'a photo of a person, red background', source: 'user' }]);
    edited.close();
    const named = await cli(home, ['captions', 'lint', dir]);
    expect(named.stdout).toMatch(/^shot1\.png\terror\ttrigger-missing\t/m);
    expect(named.stdout).not.toMatch(/^image \d/m);
    const namedJson = JSON.parse((await cli(home, ['captions', 'lint', dir, '--json'])).stdout);
    expect(namedJson.issues.find((i: { rule: string }) => i.rule === 'trigger-missing')).toMatchObject({ imageId: firstId, file: 'shot1.png' });

    const out = join(home, 'export');
    const exported = await cli(home, ['captions', 'export', dir, '--format', 'txt', '--out', out]);
    expect(exported.stdout).toMatch(/Exported 2 caption\(s\)/);
    expect(readFileSync(join(out, 'shot0.txt'), 'utf8')).toMatch(/^a photo of sks person, portrait image/);

    const bad = await cli(home, ['captions', 'auto', dir, '--captioner', 'gpt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--captioner must be template, onnx:DIR or openai:URL/);
  });
});
