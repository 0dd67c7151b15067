import { ApiFailure } from '@lora-studio/api';
import { diskProblemOf } from '@lora-studio/store';
import { commands } from './commands';
import { UsageError } from './commands/command';
import { CommandFailed } from './commands/call';
import { complain } from './commands/terminal-text';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: lora-studio <command> [options]     (lora-studio <command> --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Longest match wins, so "project create" is found before a hypothetical "project". */
function findCommand(argv: string[]) {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const c of sorted) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command: c, rest: argv.slice(words.length) };
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(overview());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    complain(`Unknown command "${argv.join(' ')}".\n\n${overview()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    console.log(found.command.help);
    return 0;
  }
  try {
    return await found.command.run(found.rest);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      complain(`${err.message}\n\n${found.command.help}`);
      return 2;
    }
    // Domain failures (path refusals, invalid input, not found…) are sentences for the user, whichever library met
    // them first: the same rule the dispatcher applies to API calls.
    if (err instanceof CommandFailed || err instanceof ApiFailure) {
      complain(err.message);
      return 1;
    }
    // A full or read-only disk met outside a handler (opening the studio's home, a training run's folder): one
    // sentence naming the disk, never a stack trace.
    const disk = diskProblemOf(err);
    if (disk) {
      complain(disk.message);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
