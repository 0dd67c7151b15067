/** Every failure that crosses the API boundary is one of these: a value the UI can show and act on. */
export type ApiErrorCode =
  | 'invalid-request' // arguments failed the schema
  | 'unknown-handler' // no handler by that name
  | 'payload-too-large'
  | 'not-found'
  | 'conflict'
  | 'unavailable' // a dependency (engine, device, file) is missing or busy
  | 'disk-problem' // the disk is full, read-only, refuses us or fails: retrying cannot help, the message says what will
  | 'internal';

export interface ApiError {
  code: ApiErrorCode;
  /** One or two sentences for the user: what happened and what to do next. */
  message: string;
  /** Machine-readable extras, e.g. which fields were invalid. */
  details?: unknown;
}

/**
 * A failure the user can act on, with the code the UI shows it under. Every error class that carries user-facing
 * text extends it (through the four kinds below), wherever it is thrown: the dispatcher answers it as it is, and
 * anything else is an unexpected error ("internal"). One rule, so no layer maps errors on its own.
 */
export class ApiFailure extends Error {
  readonly code: ApiErrorCode;
  readonly details?: unknown;
  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiFailure';
    this.code = code;
    this.details = details;
  }
  toApiError(): ApiError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** What the user gave cannot be used: a value, a file or folder they chose, a prompt; the message says what to change. */
export class InvalidInputError extends ApiFailure {
  constructor(message: string, details?: unknown) {
    super('invalid-request', message, details);
    this.name = 'InvalidInputError';
  }
}

/** The thing asked for (a run, a checkpoint, an image) is not there, or no longer. */
export class NotFoundError extends ApiFailure {
  constructor(message: string, details?: unknown) {
    super('not-found', message, details);
    this.name = 'NotFoundError';
  }
}

/** The request is fine but clashes with the current state (a run already finished, a job still running). */
export class ConflictError extends ApiFailure {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
    this.name = 'ConflictError';
  }
}

/** Something the work needs (a model, an engine, a device) is missing or not working; the message says what to fix. */
export class UnavailableError extends ApiFailure {
  constructor(message: string, details?: unknown) {
    super('unavailable', message, details);
    this.name = 'UnavailableError';
  }
}
