import type { RunPlacement, RunStatus } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { placementText } from '../src/screens/train/run-placement';
import { runOnFrom } from '../src/screens/train/run-on';

const queue = (over: Partial<Extract<RunPlacement, { kind: 'queue' }>> = {}): RunPlacement => ({ kind: 'queue', position: null, worker: null, labels: [], ...over });
const text = (status: RunStatus, where: RunPlacement) => placementText({ status, where });

describe('where a run is', () => {
  it('says this machine for a local run, whatever its status', () => {
    expect(text('running', { kind: 'this-machine' })).toBe('This machine');
    expect(text('finished', { kind: 'this-machine' })).toBe('This machine');
  });

  it('gives a queued run its place in line, with the worker group it waits for', () => {
    expect(text('queued', queue({ position: 1 }))).toBe('Queued, 1st in line');
    expect(text('queued', queue({ position: 2 }))).toBe('Queued, 2nd in line');
    expect(text('queued', queue({ position: 3 }))).toBe('Queued, 3rd in line');
    expect(text('queued', queue({ position: 11 }))).toBe('Queued, 11th in line');
    expect(text('queued', queue({ position: 22 }))).toBe('Queued, 22nd in line');
    expect(text('queued', queue({ position: 4, labels: ['gpu-24gb', 'a100'] }))).toBe('Queued, 4th in line · workers labelled gpu-24gb, a100');
    expect(text('queued', queue())).toBe('Queued on the run queue');
  });

  it('names the worker that trains it, or last did once it ended', () => {
    expect(text('running', queue({ worker: 'alpha' }))).toBe('On worker alpha');
    expect(text('running', queue())).toBe('Starting on the run queue');
    expect(text('paused', queue({ worker: 'alpha' }))).toBe('Paused on alpha');
    expect(text('finished', queue({ worker: 'beta' }))).toBe('Finished on beta');
    expect(text('failed', queue({ worker: 'beta' }))).toBe('Failed on beta');
    expect(text('stopped', queue({ worker: 'beta' }))).toBe('Stopped on beta');
    expect(text('interrupted', queue({ worker: 'beta' }))).toBe('Interrupted (last on beta)');
    expect(text('interrupted', queue())).toBe('Interrupted before a worker took it');
  });
});

describe('Run on', () => {
  it('sends this machine, any worker, or the labels typed', () => {
    expect(runOnFrom('this-machine', 'ignored')).toEqual({ ok: true, runOn: { target: 'this-machine' } });
    expect(runOnFrom('queue-any', 'ignored')).toEqual({ ok: true, runOn: { target: 'queue', labels: [] } });
    expect(runOnFrom('queue-labels', ' gpu-24gb, a100  gpu-24gb ')).toEqual({ ok: true, runOn: { target: 'queue', labels: ['gpu-24gb', 'a100'] } });
  });

  it('refuses no label, a label the contract refuses (in its words), and too many', () => {
    expect(runOnFrom('queue-labels', ' , ')).toEqual({ ok: false, message: 'Name at least one label, e.g. gpu-24gb, or choose any worker.' });
    expect(runOnFrom('queue-labels', 'gpu/24')).toEqual({ ok: false, message: '"gpu/24": A label takes letters, digits, ".", "_" and "-" (at most 40).' });
    expect(runOnFrom('queue-labels', 'a b c d e f g h i')).toEqual({ ok: false, message: 'At most 8 labels.' });
  });
});
