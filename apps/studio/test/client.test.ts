import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerEvents } from '@lora-studio/api';
import { createClient, errorMessage, fieldErrors, RequestFailed } from '../src/client/client';
import { inProcessTransport } from './in-process-transport';

let home: string;
let link: ReturnType<typeof inProcessTransport>;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'lora-client-'));
  link = inProcessTransport(home);
});
afterEach(() => {
  link.close();
  rmSync(home, { recursive: true, force: true });
});

describe('studio client', () => {
  it('sends typed requests and resolves with the handler result', async () => {
    const client = createClient(link.transport);
    const created = await client.send('project-create', { name: 'Mia', type: 'subject', trigger: 'sks' });
    expect(created.dir).toBe(join(home, 'projects', 'mia'));
    const list = await client.send('project-list', {});
    expect(list.map((p) => p.name)).toEqual(['Mia']);
  });

  it('matches concurrent responses to their requests', async () => {
    const client = createClient(link.transport);
    const names = ['One', 'Two', 'Three'];
    const created = await Promise.all(names.map((name, i) => client.send('project-create', { name, type: 'style', trigger: `t${i}x` })));
    expect(created.map((p) => p.name)).toEqual(names);
  });

  it('rejects with the API error, field by field for invalid arguments', async () => {
    const client = createClient(link.transport);
    const failure = await client.send('project-create', { name: 'Mia', type: 'subject', trigger: 'two words' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RequestFailed);
    expect((failure as RequestFailed).code).toBe('invalid-request');
    expect(fieldErrors(failure).trigger).toContain('one word');
    expect(errorMessage(failure)).toContain('trigger');

    const missing = await client.send('project-open', { dir: join(home, 'nope') }).catch((e: unknown) => e);
    expect((missing as RequestFailed).code).toBe('not-found');
    expect(fieldErrors(missing)).toEqual({});
  });

  it('delivers pushed events to subscribers until they unsubscribe', async () => {
    const client = createClient(link.transport);
    const seen: ServerEvents['projects-changed'][] = [];
    const off = client.on('projects-changed', (payload) => seen.push(payload));
    const created = await client.send('project-create', { name: 'Mia', type: 'subject', trigger: 'sks' });
    off();
    await client.send('project-rename', { dir: created.dir, name: 'Mia 2' });
    expect(seen).toEqual([{ dir: created.dir }]);
  });

  it('fails in-flight requests when the connection drops, and sends queued ones once it is back', async () => {
    const client = createClient(link.transport);
    const states: string[] = [];
    client.onState((s) => states.push(s));

    const inFlight = client.send('project-list', {});
    link.drop();
    const lost = await inFlight.catch((e: unknown) => e);
    expect((lost as RequestFailed).code).toBe('unavailable');

    const queued = client.send('project-create', { name: 'Later', type: 'object', trigger: 'brd' });
    link.restore();
    expect((await queued).name).toBe('Later');
    expect(states).toEqual(['reconnecting', 'open']);
  });
});
