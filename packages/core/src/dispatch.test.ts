import { ApiFailure, ConflictError, InvalidInputError, NotFoundError, UnavailableError, type Handlers } from '@lora-studio/api';
import { InvalidCrop, ImageRejected, UnknownImages } from '@lora-studio/media';
import { LoraFormatError, LoraValueError } from '@lora-studio/models';
import { FolderNotCreatableError, LinkInTheWayError, PathOutsideError, ProjectFolderError, UnusablePathError } from '@lora-studio/store';
import { TrainingSetupError } from '@lora-studio/trainer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dispatcher } from './dispatch';

/** A dispatcher whose app-info handler throws `error`: the one place every handler's errors pass through. */
function failingWith(error: unknown): Dispatcher {
  const handlers = { 'app-info': async () => { throw error; } } as Partial<Handlers> as Handlers;
  return new Dispatcher(handlers);
}

async function answer(error: unknown) {
  const res = await failingWith(error).call(1, 'app-info', {});
  if (res.ok) throw new Error('the failing handler was answered as a success');
  return res.error;
}

describe('the dispatcher maps every error once, by the code its class carries', () => {
  afterEach(() => vi.restoreAllMocks());

  const cases: [string, unknown, string][] = [
    ['InvalidInputError', new InvalidInputError('Write a prompt to generate an image.'), 'invalid-request'],
    ['NotFoundError', new NotFoundError('There is no run 7 in this project.'), 'not-found'],
    ['ConflictError', new ConflictError('This run has finished.'), 'conflict'],
    ['UnavailableError', new UnavailableError('The WebAssembly backend did not start.'), 'unavailable'],
    ['TrainingSetupError', new TrainingSetupError(['steps must be a whole number from 1 to 100000 (got 0).']), 'invalid-request'],
    ['LoraFormatError', new LoraFormatError('x.safetensors holds no LoRA tensors.'), 'invalid-request'],
    ['LoraValueError', new LoraValueError('alpha of layer 0 is NaN.'), 'invalid-request'],
    ['ImageRejected', new ImageRejected('a.txt is not an image.'), 'invalid-request'],
    ['InvalidCrop', new InvalidCrop('The crop is outside the image.'), 'invalid-request'],
    ['UnknownImages', new UnknownImages([4, 5]), 'not-found'],
    ['PathOutsideError', new PathOutsideError('/etc/passwd', '/home/p'), 'invalid-request'],
    ['UnusablePathError', new UnusablePathError('/a\0b'), 'invalid-request'],
    ['FolderNotCreatableError', new FolderNotCreatableError('/proc/x is inside /proc.'), 'invalid-request'],
    ['LinkInTheWayError', new LinkInTheWayError('/tmp/out/a.png'), 'invalid-request'],
    ['ProjectFolderError', new ProjectFolderError('/p holds another program’s files.'), 'conflict'],
  ];
  for (const [name, error, code] of cases) {
    it(`${name} → ${code}, with its own words`, async () => {
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      expect(error).toBeInstanceOf(ApiFailure);
      expect(await answer(error)).toMatchObject({ code, message: (error as Error).message });
      expect(log).not.toHaveBeenCalled();
    });
  }

  it('keeps the details a class carries (which images are unknown)', async () => {
    expect(await answer(new UnknownImages([4, 5]))).toEqual({ code: 'not-found', message: expect.stringContaining('4, 5'), details: { ids: [4, 5] } });
  });

  it('an unexpected TypeError is "internal", named as what it is, and logged with its stack', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    let thrown: TypeError | undefined;
    try {
      (undefined as unknown as { width: number }).width;
    } catch (err) {
      thrown = err as TypeError;
    }
    const error = await answer(thrown);
    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/^LoRA Studio hit an unexpected error in app-info \(TypeError: Cannot read properties of undefined \(reading 'width'\)\)\. /);
    expect(error.message).toMatch(/report it/);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![1])).toContain(thrown!.stack!.split('\n')[1]!.trim());
  });

  it('a plain Error is internal too, never the user’s request', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await answer(new Error('index out of range'))).toMatchObject({ code: 'internal', message: expect.stringContaining('(Error: index out of range)') });
    expect(await answer('a thrown string')).toMatchObject({ code: 'internal', message: expect.stringContaining('(a thrown string)') });
  });
});
