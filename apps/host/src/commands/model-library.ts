import { parseArgs } from 'node:util';
import { addModel, DownloadCancelledError, HubDownloadError, listModels, ModelSourceError, sourceFromText, type DownloadProgress, type LibraryModel, type ModelSource } from '@lora-studio/models/model-library';
import { AppStore, studioHome } from '@lora-studio/store';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';
import { say, terminalJson, terminalText } from './terminal-text';

function withLibrary<T>(work: (app: AppStore) => Promise<T>): Promise<T> {
  const app = new AppStore(studioHome());
  return work(app).finally(() => app.close());
}

const MB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / 1024 / MB).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

function formatParameters(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return String(n);
}

function progressLine(p: DownloadProgress): string {
  const percent = p.bytesTotal ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
  const bar = '#'.repeat(Math.floor(percent / 5)).padEnd(20, '.');
  const rate = p.bytesPerSecond ? `${formatBytes(p.bytesPerSecond)}/s` : '…';
  const eta = p.etaSeconds === null ? '' : ` ETA ${Math.floor(p.etaSeconds / 60)}m${String(p.etaSeconds % 60).padStart(2, '0')}s`;
  return `[${bar}] ${percent}% ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} ${rate}${eta} (${p.filesDone}/${p.fileCount} files)`;
}

/** A model in one short block: what it is, sizes, precision, and what stops it from being used. */
function describeForTerminal(m: LibraryModel): string {
  const d = m.description;
  const c = d.components;
  const lines = [
    `${m.name}  ${d.label} · ${d.training}${d.complete ? '' : ' · INCOMPLETE'}`,
    `  ${m.path}${m.sourceRepo ? `  (from ${m.sourceRepo}@${(m.sourceRevision ?? '').slice(0, 12)})` : ''}`,
    `  parameters: transformer ${formatParameters(c.transformer.parameters)}, text encoder (${d.textEncoder}) ${formatParameters(c.textEncoder.parameters)}, VAE ${formatParameters(c.vae.parameters)}`,
    `  precision: transformer ${c.transformer.precision.join('+') || '—'}, text encoder ${c.textEncoder.precision.join('+') || '—'}, VAE ${c.vae.precision.join('+') || '—'} · ${formatBytes(d.bytesOnDisk)} on disk`,
    `  sampling: ${d.sampling}`,
    ...d.missing.map((x) => `  missing: ${x}`),
  ];
  return lines.map((l) => terminalText(l)).join('\n');
}

export const modelAddCommand: Command = {
  name: 'model add',
  summary: 'Add a base model: a diffusers folder, BFL files, or a Hugging Face repository.',
  help: `Usage: lora-studio model add SOURCE [--name N] [--revision REV] [--json]
       lora-studio model add --transformer FILE --vae ae.safetensors --text-encoder DIR [--tokenizer DIR] [--name N]

SOURCE is a folder in the Hugging Face diffusers layout (model_index.json, transformer/, text_encoder/,
tokenizer/, vae/) or a repository id such as black-forest-labs/FLUX.2-klein-base-4B, downloaded into the studio's
model cache (<studio home>/models) with a progress bar. A download cut off (connection, Ctrl-C) resumes where it
stopped when you run the same command again. Files already in a Hugging Face cache (HF_HUB_CACHE, HF_HOME,
~/.cache/huggingface) are used where they are.
Gated repositories need a read token: HF_TOKEN=hf_… . HF_ENDPOINT sets the hub's address (a mirror).
BFL single files stay where they are; --tokenizer defaults to the text-encoder folder.
The name (default: the folder, repository or file name) is what "train --base NAME" takes.
Example: HF_TOKEN=hf_xxx lora-studio model add black-forest-labs/FLUX.2-klein-base-4B --name klein-base-4b`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' }, revision: { type: 'string' }, transformer: { type: 'string' }, vae: { type: 'string' },
        'text-encoder': { type: 'string' }, tokenizer: { type: 'string' }, json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const files = values.transformer ?? values.vae ?? values['text-encoder'];
    let source: ModelSource;
    if (files !== undefined) {
      if (positionals.length > 0) throw new UsageError('Give either SOURCE or --transformer/--vae/--text-encoder, not both.');
      if (!values.transformer || !values.vae || !values['text-encoder']) throw new UsageError('BFL single files need all of --transformer FILE, --vae FILE and --text-encoder DIR.');
      source = { kind: 'files', transformer: values.transformer, vae: values.vae, textEncoder: values['text-encoder'], tokenizer: values.tokenizer };
    } else {
      if (positionals.length !== 1) throw new UsageError('Give one SOURCE: a model folder or a Hugging Face repository id.');
      try {
        source = sourceFromText(positionals[0]!, { revision: values.revision });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    process.once('SIGINT', onInterrupt);
    const interactive = process.stderr.isTTY;
    try {
      const added = await withLibrary((app) =>
        addModel(app, source, {
          name: values.name,
          signal: stop.signal,
          onProgress: (p) => {
            if (interactive) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
            else if (p.filesDone === p.fileCount) process.stderr.write(`${progressLine(p)}\n`); // logs get the outcome, not a bar
          },
        }),
      );
      if (interactive) process.stderr.write('\n');
      say(values.json ? terminalJson(added) : `Added ${describeForTerminal(added)}`);
      return 0;
    } catch (error) {
      if (interactive) process.stderr.write('\n');
      if (error instanceof ModelSourceError || error instanceof HubDownloadError || error instanceof DownloadCancelledError) throw new CommandFailed(error.message);
      throw error;
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  },
};

export const modelListCommand: Command = {
  name: 'model list',
  summary: 'List the base models you added.',
  help: `Usage: lora-studio model list [--json]

Each model: family and variant (dev / klein 4B / 9B, base or distilled), parameter counts, file precision, bytes
on disk, and what is missing, in words. "default" (the embedded model) is always there and not listed.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
    const models = await withLibrary(async (app) => listModels(app));
    if (values.json) say(terminalJson(models));
    else if (models.length === 0) say('No base models added yet. Add one with: lora-studio model add SOURCE (see --help).');
    else say(models.map(describeForTerminal).join('\n\n'));
    return 0;
  },
};
