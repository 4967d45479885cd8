/** Failures as data: every error the client throws is a QuireError carrying the server's code. */

/** One invalid field of a VALIDATION_FAILED answer. */
export interface FieldError {
  path: string;
  message: string;
}

export interface QuireErrorInit {
  code: string;
  status: number;
  title: string;
  detail?: string | undefined;
  requestId?: string | undefined;
  errors?: FieldError[] | undefined;
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/**
 * An answer that was not a success (RFC 9457 problem+json: `code` is the catalogue's
 * UPPER_SNAKE constant, e.g. `NOT_FOUND`), or a request that never got one (`NETWORK_ERROR`,
 * status 0), or a job that settled without success (`QuireJobError`).
 */
export class QuireError extends Error {
  override readonly name: string = 'QuireError';
  readonly code: string;
  /** The HTTP status, 0 when no answer came. */
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** The server's request id (X-Request-ID): quote it when reporting a problem. */
  readonly requestId: string | undefined;
  readonly errors: FieldError[];
  readonly retryAfterSeconds: number | undefined;

  constructor(init: QuireErrorInit) {
    super(init.detail ? `${init.code}: ${init.detail}` : `${init.code}: ${init.title}`, {
      cause: init.cause,
    });
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.errors = init.errors ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** Reads a problem+json answer (or whatever came instead) into an error. */
  static async fromResponse(response: Response): Promise<QuireError> {
    const text = await response.text().catch(() => '');
    let problem: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object')
        problem = parsed as Record<string, unknown>;
    } catch {
      // Not JSON (a proxy's HTML page, say): the status speaks for it.
    }
    const string = (value: unknown): string | undefined =>
      typeof value === 'string' ? value : undefined;
    return new QuireError({
      code: string(problem.code) ?? codeForStatus(response.status),
      status: response.status,
      title: string(problem.title) ?? (response.statusText || `HTTP ${response.status}`),
      detail: string(problem.detail) ?? (text && !problem.code ? text.slice(0, 200) : undefined),
      requestId: string(problem.request_id) ?? response.headers.get('x-request-id') ?? undefined,
      errors: Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : undefined,
      retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
    });
  }
}

/** A request that got no answer: DNS, refused connection, reset, TLS, or an abort. */
export class QuireNetworkError extends QuireError {
  override readonly name = 'QuireNetworkError';
  constructor(message: string, cause: unknown) {
    super({ code: 'NETWORK_ERROR', status: 0, title: 'No answer', detail: message, cause });
  }
}

/** A job that ended `failed`, `dead` or `cancelled`; `code` is the job's failure code. */
export class QuireJobError extends QuireError {
  override readonly name = 'QuireJobError';
  readonly jobId: string;
  readonly jobStatus: string;
  constructor(job: {
    id: string;
    status: string;
    error?: { code: string; message: string } | undefined;
  }) {
    super({
      code: job.error?.code ?? job.status.toUpperCase(),
      status: 0,
      title: `Job ${job.status}`,
      detail: job.error?.message ?? `job ${job.id} ended ${job.status}`,
    });
    this.jobId = job.id;
    this.jobStatus = job.status;
  }
}

function codeForStatus(status: number): string {
  const known: Record<number, string> = {
    400: 'VALIDATION_FAILED',
    401: 'UNAUTHENTICATED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    409: 'CONFLICT',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    429: 'RATE_LIMITED',
    502: 'UPSTREAM_FAILED',
    503: 'OVERLOADED',
    504: 'TIMEOUT',
  };
  return known[status] ?? (status >= 500 ? 'INTERNAL' : `HTTP_${status}`);
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
