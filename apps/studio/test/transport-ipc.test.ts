import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, RequestFailed } from '../src/client/client';
import { ipcTransport } from '../src/client/transport-ipc';
import { inProcessBridge } from './in-process-bridge';

let home: string;
let link: ReturnType<typeof inProcessBridge>;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'lora-ipc-'));
  link = inProcessBridge(home);
});
afterEach(() => {
  link.close();
  rmSync(home, { recursive: true, force: true });
});

describe('desktop IPC transport', () => {
  it('is open from the start and stays so when main reports the first services process up', async () => {
    const transport = ipcTransport(link.bridge);
    const states: string[] = [];
    transport.onState((s) => states.push(s));
    link.tellOpen();
    expect(transport.state).toBe('open');
    expect(states).toEqual([]);
    const client = createClient(transport);
    expect((await client.send('project-create', { name: 'Mia', type: 'subject', trigger: 'sks' })).name).toBe('Mia');
  });

  it('fails requests in flight when the services die, holds new ones, and sends them in order once they are back', async () => {
    const transport = ipcTransport(link.bridge);
    const client = createClient(transport);
    const states: string[] = [];
    client.onState((s) => states.push(s));

    const inFlight = client.send('project-list', {});
    link.crash();
    const lost = await inFlight.catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(RequestFailed);
    expect((lost as RequestFailed).code).toBe('unavailable');
    expect((lost as RequestFailed).message).toMatch(/reconnects by itself; try again/);
    expect(client.state).toBe('reconnecting');

    const first = client.send('project-create', { name: 'First', type: 'object', trigger: 'brd' });
    const second = client.send('project-list', {});
    link.restart();
    expect((await first).name).toBe('First');
    expect((await second).map((p) => p.name)).toEqual(['First']);
    expect(link.sentWhileDown).toEqual([]);
    expect(states).toEqual(['reconnecting', 'open']);
    expect(client.state).toBe('open');
  });

  it('stops telling a listener once it unsubscribes', () => {
    const transport = ipcTransport(link.bridge);
    const states: string[] = [];
    const off = transport.onState((s) => states.push(s));
    link.crash();
    off();
    link.restart();
    expect(states).toEqual(['reconnecting']);
  });

  it('stays open with a preload that does not report the services state', async () => {
    const { onServicesState: _unreported, ...older } = link.bridge;
    const client = createClient(ipcTransport(older));
    expect(client.state).toBe('open');
    expect(await client.send('project-list', {})).toEqual([]);
  });
});
