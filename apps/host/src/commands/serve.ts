import { parseArgs } from 'node:util';
import { studioHome } from '@lora-studio/store';
import { startHost } from '../server';
import { defaultStudioDist, openInBrowser } from '../paths';
import { UsageError, type Command } from './command';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the studio in browser mode (HTTP + WebSocket on 127.0.0.1 with an access token).',
  help: `Usage: lora-studio serve [--port N] [--host ADDR] [--open] [--token T]

Serves the studio UI and its API. Prints the URL with a random access token; every request must carry it.
  --port N     port to listen on (default: a free port)
  --host ADDR  address to bind (default 127.0.0.1). Binding beyond loopback exposes the studio to your network.
  --open       open the default browser at the studio URL
  --token T    use this access token instead of a random one (for scripts)
Environment: LORA_STUDIO_HOME sets where the studio keeps its own data.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        open: { type: 'boolean', default: false },
        token: { type: 'string' },
      },
      strict: true,
    });
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535 (got ${values.port}).`);
    const host = values.host ?? '127.0.0.1';
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      console.warn(`Warning: listening on ${host}, beyond this machine's loopback. Anyone who can reach it and has the token can use the studio.`);
    }
    const running = await startHost({
      home: studioHome(),
      studioDist: defaultStudioDist(),
      host,
      port,
      ...(values.token ? { token: values.token } : {}),
    });
    console.log(`LoRA Studio is running at ${running.url}`);
    if (values.open) openInBrowser(running.url);
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise(() => {});
    return 0;
  },
};
