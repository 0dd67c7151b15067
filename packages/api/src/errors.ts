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

/** Thrown by handlers; the dispatcher turns it into an ApiError response. */
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
