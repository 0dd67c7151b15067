import {
  ApiFailure,
  argSchemas,
  isHandlerName,
  MAX_REQUEST_BYTES,
  type ApiError,
  type Handlers,
  type ResponseFrame,
} from '@lora-studio/api';
import { diskProblemOf } from '@lora-studio/store';

/**
 * The one door into the services: validates the frame and its arguments against the contract, runs the handler,
 * and always answers with a response frame. Nothing a client sends can throw past this function.
 */
export class Dispatcher {
  constructor(private readonly handlers: Handlers) {}

  async handleRaw(raw: string | Buffer): Promise<ResponseFrame> {
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (size > MAX_REQUEST_BYTES) {
      return fail(0, {
        code: 'payload-too-large',
        message: `The request is ${size} bytes; the limit is ${MAX_REQUEST_BYTES}. Send files by path or upload, not inside a request.`,
      });
    }
    let frame: unknown;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    } catch {
      return fail(0, { code: 'invalid-request', message: 'The request is not valid JSON.' });
    }
    if (typeof frame !== 'object' || frame === null) {
      return fail(0, { code: 'invalid-request', message: 'The request must be a JSON object.' });
    }
    const { kind, id, name, args } = frame as Record<string, unknown>;
    const requestId = typeof id === 'number' && Number.isSafeInteger(id) ? id : 0;
    if (kind !== 'request' || requestId === 0 || typeof name !== 'string') {
      return fail(requestId, {
        code: 'invalid-request',
        message: 'A request needs kind "request", a positive integer id and a handler name.',
      });
    }
    return this.call(requestId, name, args);
  }

  async call(id: number, name: string, args: unknown): Promise<ResponseFrame> {
    if (!isHandlerName(name)) {
      return fail(id, { code: 'unknown-handler', message: `There is no "${name}" in this version of LoRA Studio.` });
    }
    const parsed = argSchemas[name].safeParse(args ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return fail(id, {
        code: 'invalid-request',
        message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join(' '),
        details: issues,
      });
    }
    try {
      const handler = this.handlers[name] as (a: unknown) => Promise<unknown>;
      const result = await handler(parsed.data);
      return { kind: 'response', id, ok: true, result: result ?? null };
    } catch (err) {
      // The one error map: every error class with words for the user extends ApiFailure and carries its code
      // (a bad path is InvalidInputError, a missing run NotFoundError, a LoRA file the studio cannot read too).
      if (err instanceof ApiFailure) return fail(id, err.toApiError());
      // Disk trouble is named here, once for every handler: SQLite's own words ("disk I/O error") help nobody.
      const disk = diskProblemOf(err, folderOf(parsed.data));
      if (disk) return fail(id, { code: 'disk-problem', message: disk.message });
      return fail(id, unexpected(name, err));
    }
  }
}

/**
 * Anything else is a fault in LoRA Studio (a TypeError, a failed assertion), not the user's doing: logged with its
 * stack for the report, and said as what it is rather than dressed up as a problem with the request.
 */
function unexpected(handler: string, err: unknown): ApiError {
  console.error(`[lora-studio] ${handler} failed unexpectedly:`, err instanceof Error ? err.stack ?? err : err);
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    code: 'internal',
    message: `LoRA Studio hit an unexpected error in ${handler} (${what}). Your data is unchanged; try again, and report it with this message if it repeats.`,
  };
}

/** The folder a request works in (most name a project by `dir`), for errors that carry no path of their own. */
function folderOf(args: unknown): string | undefined {
  const dir = (args as { dir?: unknown } | null)?.dir;
  return typeof dir === 'string' ? dir : undefined;
}

function fail(id: number, error: ApiError): ResponseFrame {
  return { kind: 'response', id, ok: false, error };
}
