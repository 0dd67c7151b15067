import type { Command } from './command';
import { projectCreateCommand, projectListCommand } from './project';
import { serveCommand } from './serve';

/** Every CLI command, one line each; `lora-studio --help` lists them in this order. */
export const commands: Command[] = [
  serveCommand,
  projectCreateCommand,
  projectListCommand,
];
