/** One CLI command: `lora-studio <name> …`. Each lives in its own file and is listed once in ./index.ts. */
export interface Command {
  /** Words after `lora-studio`, e.g. "project create". */
  name: string;
  summary: string;
  /** Full --help text: usage line, options, an example. */
  help: string;
  run(argv: string[]): Promise<number>;
}

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
