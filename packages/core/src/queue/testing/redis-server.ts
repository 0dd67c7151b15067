// A real redis-server for tests: its own temp folder (the append-only file lives there, nothing is written outside
// it), a free loopback port, and restart() on the same port and data, for "Redis went away mid-run".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_BIN = '/usr/bin/redis-server';

/** A port the kernel just handed out on 127.0.0.1, closed again so redis-server can bind it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port; rejects after `ms`. */
async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not open port ${port} within ${ms} ms.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class TestRedis {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(readonly port: number, readonly dir: string) {}

  /** Starts redis-server with an append-only file in a fresh temp folder (so a restart keeps the queue). */
  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'lora-redis-')));
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes', '--daemonize', 'no',
    ];
    const child = spawn(REDIS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => { this.output = (this.output + d.toString()).slice(-4000); });
    child.stderr!.on('data', (d: Buffer) => { this.output = (this.output + d.toString()).slice(-4000); });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (code ${code}):\n${this.output}`))));
    await Promise.race([waitForPort(this.port, 10_000), exited]);
  }

  /** Stops the server (SIGTERM: it flushes the append-only file) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** Stop, then start again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and deletes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
