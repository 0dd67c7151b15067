import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createStudio } from '@lora-studio/core';
import { studioHome } from '@lora-studio/store';
import { UsageError, type Command } from './command';
import { callOrFail } from './call';
import { oneLine, say, terminalJson } from './terminal-text';

export const importCommand: Command = {
  name: 'import',
  summary: 'Import images (files, folders, kohya folders, .zip) into a project.',
  help: `Usage: lora-studio import <project-dir> <path>... [--json]

Copies each image into the project (content-addressed, original untouched), makes thumbnails, measures it and
prints one line per file: imported / duplicate / rejected with the reason, then a summary.
Folders recurse; a kohya folder "10_sks person/" sets 10 repeats and reads image.txt captions; .zip files are unpacked
safely. Exit code 0 when the import ran (even if some files were refused), 1 when it could not run.
  --json   print {importId, imported, duplicates, rejected, cancelled, files:[{source, status, reason?, note?, imageId?}]}
Example: lora-studio import ~/loras/me ~/Pictures/me ~/Downloads/more.zip`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    const [dir, ...paths] = positionals;
    if (!dir || paths.length === 0) throw new UsageError('Give the project folder and at least one image, folder or .zip.');
    const studio = createStudio({ home: studioHome(), mode: 'browser' });
    try {
      const summary = await callOrFail(studio.dispatcher, 'images-import', { dir: resolve(dir), paths: paths.map((p) => resolve(p)) });
      if (values.json) {
        say(terminalJson(summary));
      } else {
        let lastReason: string | undefined;
        for (const f of summary.files) {
          const reason = f.reason && f.status !== 'imported' ? f.reason : undefined;
          // A full disk refuses every remaining file for the same reason: say it once, not once per file.
          const shown = reason === undefined ? '' : reason === lastReason ? ' — the same reason' : ` — ${oneLine(reason)}`;
          lastReason = reason;
          // A note on an imported file (its caption was too long to keep, say) is news the user must see too.
          const note = f.note ? ` — ${oneLine(f.note)}` : '';
          say(`${f.status.padEnd(9)} ${oneLine(f.source)}${shown}${note}`);
        }
        say(`\n${summary.imported} imported, ${summary.duplicates} duplicates, ${summary.rejected} rejected.`);
      }
      return 0;
    } finally {
      studio.close();
    }
  },
};
