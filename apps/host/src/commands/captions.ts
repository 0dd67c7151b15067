import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { CaptionerChoice } from '@lora-studio/api';
import { createStudio } from '@lora-studio/core';
import { studioHome } from '@lora-studio/store';
import { UsageError, type Command } from './command';
import { CommandFailed, callOrFail } from './call';
import { complain, oneLine, say, terminalJson } from './terminal-text';

function projectDir(positionals: string[]): string {
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError('Give exactly one project folder.');
  return resolve(dir);
}

export const captionsLintCommand: Command = {
  name: 'captions lint',
  summary: 'Check every caption of a project (trigger word, length, leaks, duplicates).',
  help: `Usage: lora-studio captions lint PROJECT_DIR [--json]

Runs the caption lint over the project's images (excluded images are skipped): trigger missing or late, a second
trigger, empty/too short/too long captions, a common trigger word, phrases that leak the concept into most captions,
identical captions, each named by its file. --json prints the whole report ({issues, leaks, counts, flaggedImageIds};
each issue with the image's file name).
Example: lora-studio captions lint ~/loras/flat-style --json`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    const dir = projectDir(positionals);
    const studio = createStudio({ home: studioHome(), mode: 'browser' });
    try {
      const report = await callOrFail(studio.dispatcher, 'captions-lint', { dir });
      // Images by the name the user gave the file, not the project's internal id.
      const { items } = await callOrFail(studio.dispatcher, 'captions-list', { dir });
      const names = new Map(items.map((item) => [item.imageId, item.sourceName]));
      const fileOf = (id: number | null) => (id === null ? null : (names.get(id) ?? `image ${id}`));
      if (values.json) {
        say(terminalJson({ ...report, issues: report.issues.map((i) => ({ ...i, file: fileOf(i.imageId) })) }));
        return 0;
      }
      for (const i of report.issues) say(`${fileOf(i.imageId) ?? 'project'}\t${i.severity}\t${i.rule}\t${oneLine(i.message)}`);
      for (const l of report.leaks) say(`leak\t"${oneLine(l.tag)}" in ${l.count} captions (${Math.round(l.share * 100)}%)`);
      say(`${report.issues.length} issue(s); ${report.flaggedImageIds.length} image(s) flagged.`);
      return 0;
    } finally {
      studio.close();
    }
  },
};

/** template | onnx:DIR | openai:URL */
function parseCaptioner(spec: string | undefined, model: string | undefined): CaptionerChoice {
  if (!spec || spec === 'template') return { kind: 'template' };
  if (spec.startsWith('onnx:') && spec.length > 5) return { kind: 'onnx', dir: resolve(spec.slice(5)) };
  if (spec.startsWith('openai:') && spec.length > 7) {
    const apiKey = process.env.LORA_STUDIO_API_KEY;
    return { kind: 'openai', url: spec.slice(7), ...(model ? { model } : {}), ...(apiKey ? { apiKey } : {}) };
  }
  throw new UsageError(`--captioner must be template, onnx:DIR or openai:URL (got "${spec}").`);
}

export const captionsAutoCommand: Command = {
  name: 'captions auto',
  summary: 'Caption images automatically (template, ONNX tagger or an OpenAI-compatible vision model).',
  help: `Usage: lora-studio captions auto PROJECT_DIR --captioner template|onnx:DIR|openai:URL [--model M] [--overwrite-unreviewed] [--json]

Writes draft captions for images that have none. Reviewed captions are never replaced.
  --captioner template     offline draft from the trigger, the LoRA type and image facts (default)
  --captioner onnx:DIR     a WD-1.4-style tagger folder holding model.onnx and selected_tags.csv
  --captioner openai:URL   an OpenAI-compatible chat-completions server (Ollama, LM Studio, vLLM, a cloud API);
                           the API key comes from LORA_STUDIO_API_KEY or the key saved in the studio for that server
  --model M                the vision model name (openai only), e.g. qwen2.5vl:7b
  --overwrite-unreviewed   also replace captions that are not marked reviewed
Each finished caption is saved at once; Ctrl+C stops the job and keeps what is done. The whole job is one undo step.
Example: lora-studio captions auto ~/loras/me --captioner openai:http://localhost:11434/v1 --model qwen2.5vl:7b`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        captioner: { type: 'string' },
        model: { type: 'string' },
        'overwrite-unreviewed': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const dir = projectDir(positionals);
    const captioner = parseCaptioner(values.captioner, values.model);
    const studio = createStudio({
      home: studioHome(),
      mode: 'browser',
      emit: (name, payload) => {
        if (name !== 'captions-auto-progress' || values.json) return;
        const p = payload as { done: number; total: number; imageId: number | null; error: string | null; finished: boolean };
        if (!p.finished) complain(`${p.done} / ${p.total} done${p.error ? ` — image ${p.imageId} failed: ${oneLine(p.error)}` : ''}`);
      },
    });
    const cancel = () => void studio.dispatcher.call(2, 'captions-auto-cancel', { dir });
    process.once('SIGINT', cancel);
    try {
      const summary = await callOrFail(studio.dispatcher, 'captions-auto', {
        dir,
        captioner,
        overwrite: values['overwrite-unreviewed'] ? 'unreviewed' : 'missing',
      });
      if (values.json) say(terminalJson(summary));
      else {
        say(
          `Captioned ${summary.captioned} of ${summary.total} image(s); ${summary.skipped} left as they were; ${summary.failed.length} failed` +
            `${summary.cancelled ? ' (cancelled)' : ''}. Review the drafts before training.`,
        );
      }
      if (summary.stoppedBy) throw new CommandFailed(`Stopped: ${summary.stoppedBy}`);
      return summary.failed.length > 0 ? 1 : 0;
    } finally {
      process.off('SIGINT', cancel);
      studio.close();
    }
  },
};

export const captionsExportCommand: Command = {
  name: 'captions export',
  summary: 'Export captions as .txt sidecars or JSONL, with the images.',
  help: `Usage: lora-studio captions export PROJECT_DIR --format txt|jsonl --out DIR [--no-images] [--json]

Writes every captioned, non-excluded image under its imported name into DIR, with
  txt    a same-named .txt caption beside each image (kohya / ai-toolkit convention)
  jsonl  one metadata.jsonl: {"file_name", "text", "sha256", "reviewed", "source"} per line
--no-images writes only the caption files.
Example: lora-studio captions export ~/loras/me --format txt --out ~/datasets/me`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { format: { type: 'string' }, out: { type: 'string' }, 'no-images': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const dir = projectDir(positionals);
    if (values.format !== 'txt' && values.format !== 'jsonl') throw new UsageError('--format must be txt or jsonl.');
    if (!values.out) throw new UsageError('--out DIR is required.');
    const studio = createStudio({ home: studioHome(), mode: 'browser' });
    try {
      const result = await callOrFail(studio.dispatcher, 'captions-export', {
        dir,
        format: values.format,
        outDir: resolve(values.out),
        withImages: !values['no-images'],
      });
      say(
        values.json
          ? terminalJson(result)
          : `Exported ${result.captions} caption(s) to ${result.outDir}${result.skipped ? `; ${result.skipped} image(s) without a caption left out` : ''}.`,
      );
      return 0;
    } finally {
      studio.close();
    }
  },
};
