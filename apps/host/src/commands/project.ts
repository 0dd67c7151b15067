import { parseArgs } from 'node:util';
import { isAbsolute, resolve } from 'node:path';
import { loraTypes, subjectKinds, type LoraType, type SubjectKind } from '@lora-studio/api';
import { createStudio } from '@lora-studio/core';
import { studioHome } from '@lora-studio/store';
import { UsageError, type Command } from './command';
import { callOrFail } from './call';
import { say, terminalJson } from './terminal-text';

export const projectCreateCommand: Command = {
  name: 'project create',
  summary: 'Create a project folder.',
  help: `Usage: lora-studio project create <dir> --name NAME --type subject|style|object [--subject person|character|thing]
         --trigger WORD [--json]

Creates <dir> (new or empty) with project.sqlite, images/, cache/ and runs/, and adds it to the recent projects.
--subject (subject projects): who or what the LoRA learns; face checks apply to a person only (default person).
Example: lora-studio project create ~/loras/flat-style --name "Flat style" --type style --trigger flt`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { name: { type: 'string' }, type: { type: 'string' }, subject: { type: 'string' }, trigger: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const dir = positionals[0];
    if (!dir || positionals.length > 1) throw new UsageError('Give exactly one project folder.');
    if (!values.name) throw new UsageError('--name is required.');
    if (!values.type || !loraTypes.includes(values.type as LoraType)) throw new UsageError('--type must be subject, style or object.');
    if (!values.trigger) throw new UsageError('--trigger is required (a unique word such as sks).');
    const subjectKind = values.subject as SubjectKind | undefined;
    if (subjectKind !== undefined && (values.type !== 'subject' || !subjectKinds.includes(subjectKind))) {
      throw new UsageError('--subject goes with --type subject and must be person, character or thing.');
    }
    const studio = createStudio({ home: studioHome(), mode: 'browser' });
    try {
      const project = await callOrFail(studio.dispatcher, 'project-create', {
        name: values.name,
        dir: isAbsolute(dir) ? dir : resolve(dir),
        type: values.type as LoraType,
        trigger: values.trigger,
        ...(subjectKind ? { subjectKind } : {}),
      });
      say(values.json ? terminalJson(project) : `Created project "${project.name}" in ${project.dir}`);
      return 0;
    } finally {
      studio.close();
    }
  },
};

export const projectListCommand: Command = {
  name: 'project list',
  summary: 'List recent projects.',
  help: `Usage: lora-studio project list [--json]

Lists the projects the studio remembers, newest first; "missing" marks a folder that is gone.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
    const studio = createStudio({ home: studioHome(), mode: 'browser' });
    try {
      const list = await callOrFail(studio.dispatcher, 'project-list', {});
      if (values.json) say(terminalJson(list));
      else if (list.length === 0) say('No projects yet. Create one with: lora-studio project create <dir> …');
      else for (const p of list) say(`${p.name}\t${p.type ?? '?'}\t${p.trigger ?? ''}\t${p.dir}${p.available ? '' : '\t(missing)'}`);
      return 0;
    } finally {
      studio.close();
    }
  },
};
