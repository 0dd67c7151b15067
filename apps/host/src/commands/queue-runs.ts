import { parseArgs } from 'node:util';
import { describeArtifactLocation, notSignedNote } from '@lora-studio/api';
import { RunQueueClient } from '@lora-studio/core';
import { UsageError, type Command } from './command';
import { queueConnection, queueFlags, reachQueue, SECRET_ENV } from './queue-options';
import { oneLine, say, terminalJson } from './terminal-text';

function ago(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return Number.isFinite(s) ? `${s} s ago` : 'never';
}

export const queueRunsCommand: Command = {
  name: 'runs',
  summary: 'List the runs and workers of a run queue.',
  help: `Usage: lora-studio runs --queue URL [--json] [--queue-name NAME] [--secret-file PATH]

Lists the queue's runs, newest last: queued (with its place in line, and why workers refused it), running on a
worker (step), paused, finished, stopped, failed; then the workers that answered in the last few seconds.
--json prints { runs, workers, notSigned } as one JSON object.
It needs the queue's secret (${SECRET_ENV} or --secret-file PATH): runs and workers are listed only when what they
wrote verifies with it; the others are counted in one line (notSigned), never shown.
--queue-name NAME: the queue to list (default lora-studio).
Example: lora-studio runs --queue redis://gpu-box:6379`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { queue: { type: 'string' }, json: { type: 'boolean', default: false }, ...queueFlags } });
    if (positionals.length) throw new UsageError('runs takes no positional arguments.');
    if (!values.queue) throw new UsageError('--queue URL is required (redis://HOST:PORT).');
    const connection = queueConnection(values.queue, values);
    await reachQueue(connection);
    const client = new RunQueueClient(connection);
    try {
      const { entries: runs, notSigned: runsNotSigned } = await client.runs();
      const { entries: workers, notSigned: workersNotSigned } = await client.workers();
      const notSigned = runsNotSigned + workersNotSigned;
      if (values.json) {
        say(terminalJson({ runs, workers, notSigned }));
        return 0;
      }
      if (runs.length === 0) say('No runs on this queue.');
      for (const r of runs) {
        const where = r.status === 'queued' ? `queued${r.position !== null ? ` #${r.position}` : ''}` : r.worker ? `${r.status} on ${oneLine(r.worker)}` : r.status;
        say(`${r.runKey.slice(0, 8)}  ${oneLine(r.name).padEnd(20)}  ${where.padEnd(28)}  step ${r.step}/${r.totalSteps}${r.message ? `  ${oneLine(r.message)}` : ''}`);
      }
      say(workers.length ? 'Workers:' : 'No workers are answering.');
      for (const w of workers) {
        const doing = w.runs.length ? w.runs.map((r) => `"${oneLine(r.name)}" step ${r.step}${r.status === 'paused' ? ' (paused)' : ''}`).join(', ') : 'idle';
        // Said only for a bucket: those workers take only that bucket's runs.
        const files = w.files?.kind === 's3' ? `  files in ${oneLine(describeArtifactLocation(w.files))}` : '';
        say(`  ${oneLine(w.name).padEnd(16)}  ${w.labels.length ? w.labels.join(',') : '-'}  ${oneLine(w.device)}  ${doing}${files}  (answered ${ago(w.heartbeatAt)})`);
      }
      if (notSigned > 0) say(notSignedNote(notSigned));
      return 0;
    } finally {
      await client.close();
    }
  },
};
