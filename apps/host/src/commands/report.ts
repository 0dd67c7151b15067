import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createStudio } from '@lora-studio/core';
import { studioHome } from '@lora-studio/store';
import { UsageError, type Command } from './command';
import { callOrFail } from './call';
import { say, terminalJson } from './terminal-text';

export const reportCommand: Command = {
  name: 'report',
  summary: "Print a project's dataset health report.",
  help: `Usage: lora-studio report <project-dir> [--json]

Checks the dataset against the guide for the project's LoRA type: image count, resolution, blur, exposure,
compression, crops, near-duplicates, one-session rule, same room/lighting, text and faces.
  --json   print {health, images}: health = counts, resolution, flagCounts, nearDuplicates, sessions, warnings;
           images = every image with its metrics and flags
Example: lora-studio report ~/loras/me --json`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    const dir = positionals[0];
    if (!dir || positionals.length > 1) throw new UsageError('Give exactly one project folder.');
    const studio = createStudio({ home: studioHome(), mode: 'browser' });
    try {
      const health = await callOrFail(studio.dispatcher, 'dataset-health', { dir: resolve(dir) });
      if (values.json) {
        const images = await callOrFail(studio.dispatcher, 'images-list', { dir: resolve(dir) });
        say(terminalJson({ health, images }));
      } else {
        say(`${health.loraType} LoRA — ${health.count.message}`);
        say(`Resolution: ${Math.round(health.resolution.belowMinimumShare * 100)}% below 512 px, ${Math.round(health.resolution.belowPreferredShare * 100)}% below 1024 px (median short side ${health.resolution.medianShortSide} px).`);
        for (const w of health.warnings) say(`${w.severity.padEnd(7)} ${w.message}${w.imageIds.length ? ` [images ${w.imageIds.join(', ')}]` : ''}`);
        if (health.warnings.length === 0) say('No warnings.');
      }
      return 0;
    } finally {
      studio.close();
    }
  },
};
