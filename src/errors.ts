/**
 * The error catalogue: every error code the API can answer with, its HTTP status, its title
 * and whether retrying the same request can succeed. Routes and services throw `AppError`;
 * the error-handler plugin is the only place that turns errors into problem+json.
 */

export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, title: 'Validation failed', retryable: false },
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
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', retryable: false },
  RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable', retryable: false },
  UNPROCESSABLE_DOCUMENT: { status: 422, title: 'Unprocessable document', retryable: false },
  DOCUMENT_ENCRYPTED: { status: 422, title: 'Document is encrypted', retryable: false },
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

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  /** Per-field problems, only for VALIDATION_FAILED. */
  errors?: FieldError[];
  /** Seconds, sent as `Retry-After` (429, 503). */
  retryAfterSeconds?: number;
  /** Extra response headers (e.g. `Allow` on a 405). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = ERROR_CATALOGUE[code];
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.retryable = entry.retryable;
    this.detail = detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
  }
}

/** RFC 9457 problem details, as every 4xx/5xx body is shaped. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  request_id: string;
  errors?: FieldError[];
}

/** Problem types are URNs: stable identifiers that do not pretend to be a page we host. */
export const PROBLEM_TYPE_BASE = 'urn:quire:error:';

export function toProblem(error: AppError, instance: string, requestId: string): ProblemDetails {
  const problem: ProblemDetails = {
    type: `${PROBLEM_TYPE_BASE}${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    instance,
    code: error.code,
    request_id: requestId,
  };
  if (error.errors !== undefined) problem.errors = error.errors;
  return problem;
}
