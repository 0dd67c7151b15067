import type { Command } from './command';
import { projectCreateCommand, projectListCommand } from './project';
import { serveCommand } from './serve';
import { resumeCommand, trainCommand } from './train';
import { importCommand } from './import';
import { reportCommand } from './report';
import { modelPretrainCommand } from './model-pretrain';
import { modelRunCommand } from './model-run';
import { modelDecodeCommand, modelEncodeImageCommand, modelEncodeTextCommand } from './model-encode';
import { modelAddCommand, modelListCommand } from './model-library';
import { loraConvertCommand, loraInspectCommand } from './lora';
import { doctorCommand, engineSelftestCommand } from './engine';
import { demoCommand } from './demo';
import { captionsAutoCommand, captionsExportCommand, captionsLintCommand } from './captions';
import { gridCommand } from './grid';
import { scoreCommand } from './score';
import { generateCommand } from './generate';
import { exportCommand } from './export';
import { workerCommand } from './worker';
import { queueRunsCommand } from './queue-runs';

/** Every CLI command, one line each; `lora-studio --help` lists them in this order. */
export const commands: Command[] = [
  serveCommand,
  projectCreateCommand,
  projectListCommand,
  importCommand,
  reportCommand,
  captionsLintCommand, captionsAutoCommand, captionsExportCommand,
  trainCommand, resumeCommand,
  workerCommand, queueRunsCommand,
  gridCommand,
  scoreCommand,
  generateCommand,
  exportCommand,
  modelAddCommand, modelListCommand,
  modelPretrainCommand,
  modelRunCommand,
  modelEncodeTextCommand, modelEncodeImageCommand, modelDecodeCommand,
  loraConvertCommand,
  loraInspectCommand,
  engineSelftestCommand,
  doctorCommand,
  demoCommand,
];
