/**
 * The one failure vocabulary: every code Quire reports, as an HTTP problem (`code` of a 4xx/5xx)
 * or as why a background job failed (`error.code` of a job, a document or a webhook delivery),
 * with whether trying again can succeed. Ports speak it (their contracts name these codes), so it
 * lives here, importing nothing; src/errors.ts builds AppError on it, and docs/errors.md lists it
 * (a test keeps the two identical).
 */

/** Codes the API answers with, each with its HTTP status (a job may fail with them too). */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, title: 'Validation failed', retryable: false },
  UNKNOWN_MODEL: { status: 400, title: 'Unknown model', retryable: false },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required', retryable: false },
  FORBIDDEN: { status: 403, title: 'Forbidden', retryable: false },
  NOT_FOUND: { status: 404, title: 'Not found', retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  REQUEST_TIMEOUT: { status: 408, title: 'Request not received in time', retryable: true },
  CONFLICT: { status: 409, title: 'Conflict', retryable: false },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: 'Idempotency key reused with a different request',
    retryable: false,
  },
  SEARCH_DISABLED: { status: 409, title: 'Search is turned off', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', retryable: false },
  URI_TOO_LONG: { status: 414, title: 'URI too long', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', retryable: false },
  RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable', retryable: false },
  UNPROCESSABLE_DOCUMENT: { status: 422, title: 'Unprocessable document', retryable: false },
  DOCUMENT_ENCRYPTED: { status: 422, title: 'Document is encrypted', retryable: false },
  OCR_REQUIRED: { status: 422, title: 'OCR is needed', retryable: false },
  URL_NOT_ALLOWED: { status: 422, title: 'URL not allowed', retryable: false },
  REQUEST_HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    retryable: false,
  },
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryable: true },
  INTERNAL: { status: 500, title: 'Internal server error', retryable: true },
  UPSTREAM_FAILED: { status: 502, title: 'Upstream failed', retryable: true },
  OVERLOADED: { status: 503, title: 'Server overloaded', retryable: true },
  DEPENDENCY_UNAVAILABLE: { status: 503, title: 'Dependency unavailable', retryable: true },
  SHUTTING_DOWN: { status: 503, title: 'Server shutting down', retryable: true },
  MODEL_UNAVAILABLE: { status: 503, title: 'Model unavailable', retryable: true },
  TIMEOUT: { status: 504, title: 'Timed out', retryable: true },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

/** A code an HTTP answer can carry. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Codes only background jobs fail with: never an HTTP answer. */
export const JOB_FAILURE_CATALOGUE = {
  DOCUMENT_CORRUPT: { title: 'Document is corrupt', retryable: false },
  UNSUPPORTED_FORMAT: { title: 'Format not supported', retryable: false },
  FETCH_FAILED: { title: 'Download failed', retryable: true },
  WORKER_CRASHED: { title: 'Extraction worker crashed', retryable: true },
  EXTRACTION_TIMEOUT: { title: 'Extraction timed out', retryable: true },
  CANCELLED: { title: 'Cancelled', retryable: false },
} as const satisfies Record<string, { title: string; retryable: boolean }>;

/** Why a job failed: any code of the registry. */
export type FailureCode = ErrorCode | keyof typeof JOB_FAILURE_CATALOGUE;

/** Whether a failure with this code can succeed on another attempt, unless the failure says. */
export function isRetryable(code: FailureCode): boolean {
  return (
    code in ERROR_CATALOGUE
      ? ERROR_CATALOGUE[code as ErrorCode]
      : JOB_FAILURE_CATALOGUE[code as keyof typeof JOB_FAILURE_CATALOGUE]
  ).retryable;
}

/** A job's failure as recorded: its code, a message for the client, and whether it is retried. */
export interface JobFailure {
  code: FailureCode;
  message: string;
  retryable: boolean;
}

/**
 * A failure with a registry code, thrown where it happens (a worker thread that crashed, a
 * processor's verdict on bad input, a webhook receiver that did not answer). `retryable` defaults
 * to the registry's; a failure overrides it only where the instance knows better (a download
 * answered 404 is not retried, one answered 503 is).
 */
export class Failure extends Error implements JobFailure {
  readonly retryable: boolean;

  constructor(
    readonly code: FailureCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Failure';
    this.retryable = options.retryable ?? isRetryable(code);
  }

  toJSON(): JobFailure {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}
