/**
 * How the fetcher classifies failures into FetchError kinds, and the two FetchError subclasses
 * the retry and breaker policies look at (both are FetchErrors to callers).
 */
import { FetchError } from '../../ports/fetcher.js';
import { errorChain } from '../../shared/error-chain.js';

/** A non-2xx final status. 5xx and 429 are retryable; `retryAfterMs` comes from `Retry-After`. */
export class UpstreamStatusError extends FetchError {
  constructor(
    status: number,
    url: string,
    readonly retryAfterMs?: number,
  ) {
    const retryable = status >= 500 || status === 429;
    super('upstream_status', `upstream answered ${status} for ${url}`, retryable, status);
  }
}

/**
 * The total deadline passed or the caller aborted: kind `timeout`, retryable (a later attempt
 * may succeed), but never retried in this call and never counted against the host's breaker.
 */
export class AbortedFetchError extends FetchError {
  constructor(message: string, cause: unknown) {
    super('timeout', message, true, undefined, { cause });
  }
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The error, or one in its `cause` chain, that has this code. */
function findCode(err: unknown, code: string): Error | undefined {
  for (const each of errorChain(err)) if (codeOf(each) === code) return each;
  return undefined;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** TLS failures a retry in a few milliseconds will not fix. */
function isPermanentTlsFailure(code: string): boolean {
  return code.startsWith('ERR_TLS_') || code.includes('CERT') || code.includes('SELF_SIGNED');
}

export interface ClassifyContext {
  /** The signal of this fetch: the caller's combined with the total deadline. */
  signal: AbortSignal;
  /** The total deadline alone, to tell it from the caller's abort. */
  deadline: AbortSignal;
  totalTimeoutMs: number;
  url: string;
}

export function abortedError(context: ClassifyContext, cause?: unknown): AbortedFetchError {
  return context.deadline.aborted
    ? new AbortedFetchError(
        `fetching ${context.url} took longer than ${context.totalTimeoutMs} ms`,
        cause ?? context.deadline.reason,
      )
    : new AbortedFetchError(`fetching ${context.url} was aborted`, cause ?? context.signal.reason);
}

/** Maps whatever undici, the connector or the policies threw to a FetchError. */
export function toFetchError(err: unknown, context: ClassifyContext): FetchError {
  if (err instanceof FetchError) return err;
  const forbidden = findCode(err, 'QUIRE_FORBIDDEN_ADDRESS');
  if (forbidden !== undefined) {
    return new FetchError('not_allowed', forbidden.message, false, undefined, { cause: err });
  }
  if (context.signal.aborted) return abortedError(context, err);
  const code = codeOf(err) ?? '';
  // Named by its code, not the library's message: those name the address a host name resolved
  // to (`connect ECONNREFUSED 10.0.0.5:80`), which the caller must not learn. The cause keeps it.
  const named = code === '' ? '' : ` (${code})`;
  if (TIMEOUT_CODES.has(code)) {
    return new FetchError('timeout', `${context.url}: timed out${named}`, true, undefined, {
      cause: err,
    });
  }
  if (isPermanentTlsFailure(code)) {
    return new FetchError('network', `${context.url}: TLS failed${named}`, false, undefined, {
      cause: err,
    });
  }
  return new FetchError(
    'network',
    `${context.url}: the connection failed${named}`,
    true,
    undefined,
    {
      cause: err,
    },
  );
}
