/**
 * HTTP errors: routes and services throw `AppError` with a code of the failure registry
 * (src/ports/failures.ts: its status, title and whether retrying can succeed); the error-handler
 * plugin is the only place that turns errors into problem+json.
 */
import { ERROR_CATALOGUE, type ErrorCode } from './ports/failures.js';

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

/** A 400 VALIDATION_FAILED naming the one field that is wrong (`path` as in `errors[]`). */
export function invalidField(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${path} ${message}`, { errors: [{ path, message }] });
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
