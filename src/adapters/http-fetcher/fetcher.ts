/**
 * The Fetcher port over undici: one pooled Agent whose connector is the SSRF guard, redirects
 * followed by hand (every hop re-checked), connect/headers/total timeouts, a byte cap on the
 * body, retries with jittered exponential backoff (honouring Retry-After) and a circuit
 * breaker per host:port. `post` (webhook deliveries) is one request through the same guard and
 * breakers, with no retry (the job retries) and no redirect followed.
 *
 * Policy order: retry OUTSIDE, breaker INSIDE, around each single request (each hop of each
 * attempt goes through the breaker of the host it is sent to). Chosen deliberately
 * (connor4312/cockatiel#107):
 *  - every attempt against a failing host counts towards its breaker, so a dead host opens it
 *    after `consecutiveFailures` requests, not after that many whole retried fetches;
 *  - the retry policy does NOT handle circuit_open, so once the breaker opens the retry loop
 *    stops at once instead of sleeping and retrying against an open circuit (the #107 trap:
 *    `retry(handleAll)` around a breaker keeps retrying BrokenCircuitError); if this fetch
 *    had reached the upstream before the circuit opened, it fails with that real failure
 *    (e.g. upstream_status 500), otherwise with circuit_open, without connecting;
 *  - in the breaker's half-open state the trial is one request, not a burst of retries.
 * Only host failures count (network, connect/headers timeout, 5xx, 429); a 4xx answer is a
 * success for the breaker (the host is up), and our own total deadline or the caller's abort
 * count for nothing.
 *
 * Cockatiel's retry delays do not listen to the AbortSignal (and a Retry-After may ask for up
 * to 30 s), so the whole policy is raced against the signal: the caller gets its error as soon
 * as the deadline passes or it aborts; the retry timer is unref'd and its late attempt sees
 * the aborted signal and stops without sending anything.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { BrokenCircuitError, handleWhen, retry } from 'cockatiel';
import { Agent, type Dispatcher } from 'undici';
import {
  FetchError,
  POST_RESPONSE_DRAIN_BYTES,
  type BreakerState,
  type FetchOptions,
  type FetchResponse,
  type Fetcher,
  type PostOptions,
  type PostResult,
} from '../../ports/fetcher.js';
import { VERSION } from '../../version.js';
import { effectivePort, parseAllowHosts } from './allow-hosts.js';
import { parseRetryAfter, retryBackoff } from './backoff.js';
import { createBreakerRegistry } from './breakers.js';
import { capBody } from './capped-body.js';
import {
  AbortedFetchError,
  UpstreamStatusError,
  abortedError,
  toFetchError,
  type ClassifyContext,
} from './errors.js';
import { createGuardedConnector } from './guarded-connector.js';
import { checkUrl } from './url-policy.js';

export interface HttpFetcherOptions {
  /** `host` or `host:port` exempt from the address guard, e.g. `127.0.0.1:4567`. */
  allowHosts: string[];
  connectTimeoutMs: number;
  /**
   * Per request (each attempt, each redirect hop): from dispatch to the response headers,
   * waiting for a pooled connection and connecting included.
   */
  headersTimeoutMs: number;
  /** The whole fetch: every attempt, redirect and backoff, and reading the body. */
  totalTimeoutMs: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Attempts after the first, for retryable failures. */
  retries: number;
  /** First backoff, before jitter; default 200 ms. */
  retryBaseMs?: number;
  /** Longest backoff; default 10 s. */
  retryMaxDelayMs?: number;
  /** Longest Retry-After honoured; default 30 s. */
  maxRetryAfterMs?: number;
  /** Default: open after 5 consecutive failures, half-open after 30 s. */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** Default `quire/<version>`; a caller's User-Agent header wins. */
  userAgent?: string;
  /** Connections per origin in the pool; default 16. */
  connections?: number;
  onBreakerChange?(host: string, state: BreakerState): void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Set by the HTTP client itself, or meaningless to forward. */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'content-length',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);
/** Never sent to another origin than the one the caller named. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const ERROR_BODY_DRAIN_BYTES = 64 * 1024;

type Hop =
  | { kind: 'final'; data: Dispatcher.ResponseData }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'status'; error: UpstreamStatusError };

interface Request {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | undefined;
}

function hostKey(url: URL): string {
  return `${url.hostname}:${effectivePort(url.protocol, url.port)}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = header(headers, name);
    if (value !== undefined) flat[name] = value;
  }
  return flat;
}

function discard(body: Dispatcher.ResponseData['body']): void {
  // Reads a small error body to keep the connection; a larger one is cut (socket closed).
  body.dump({ limit: ERROR_BODY_DRAIN_BYTES }).catch(() => undefined);
}

/**
 * A POST answered 5xx or 429: thrown inside the breaker so that it counts against the host, then
 * handed to the caller as the answer it is.
 */
class FailedAnswer extends UpstreamStatusError {
  constructor(
    url: string,
    readonly result: PostResult,
  ) {
    super(result.status, url);
  }
}

function circuitOpen(url: URL, cause: BrokenCircuitError): FetchError {
  const message = `circuit open for ${hostKey(url)}: not connecting`;
  return new FetchError('circuit_open', message, true, undefined, { cause });
}

/** Settles with `work`, or rejects as soon as `signal` aborts (what settles later is cleaned). */
function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  onAbort: () => Error,
  cleanLate: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const abort = (): void => {
      settled = true;
      reject(onAbort());
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        if (settled) cleanLate(value);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        if (!settled) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export function createHttpFetcher(options: HttpFetcherOptions): Fetcher {
  const allowHosts = parseAllowHosts(options.allowHosts);
  const maxRedirects = options.maxRedirects ?? 5;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const backoff = retryBackoff(options.retryBaseMs ?? 200, options.retryMaxDelayMs ?? 10_000);
  const userAgent = options.userAgent ?? `quire/${VERSION}`;
  const breakerOptions = options.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 30_000 };

  const agent = new Agent({
    connect: createGuardedConnector({ allowHosts, connectTimeoutMs: options.connectTimeoutMs }),
    connections: options.connections ?? 16,
    headersTimeout: options.headersTimeoutMs,
    // Reading the body is bounded by the total deadline; this only catches a silent socket.
    bodyTimeout: options.totalTimeoutMs,
  });

  const breakers = createBreakerRegistry({
    consecutiveFailures: breakerOptions.consecutiveFailures,
    halfOpenAfterMs: breakerOptions.halfOpenAfterMs,
    countsAsFailure: (error) =>
      error instanceof FetchError &&
      error.retryable &&
      error.kind !== 'circuit_open' &&
      !(error instanceof AbortedFetchError),
    ...(options.onBreakerChange === undefined ? {} : { onChange: options.onBreakerChange }),
  });

  let closing: Promise<void> | undefined;

  /** One request to one URL, no redirect followed. Runs inside the host's breaker. */
  async function send(url: URL, request: Request, context: ClassifyContext): Promise<Hop> {
    // Our own headers timer: undici's headersTimeout runs on a coarse (~1 s) clock; it stays
    // set as a backstop. Cleared once the headers are in, so it never cuts the body.
    const headers = new AbortController();
    const timer = setTimeout(() => headers.abort(), options.headersTimeoutMs);
    let data: Dispatcher.ResponseData;
    try {
      data = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal: AbortSignal.any([context.signal, headers.signal]),
      });
    } catch (err) {
      if (headers.signal.aborted && !context.signal.aborted) {
        throw new FetchError(
          'timeout',
          `no response headers from ${url.href} within ${options.headersTimeoutMs} ms`,
          true,
          undefined,
          { cause: err },
        );
      }
      throw toFetchError(err, context);
    } finally {
      clearTimeout(timer);
    }
    const status = data.statusCode;
    if (status >= 200 && status < 300) return { kind: 'final', data };
    const location = header(data.headers, 'location');
    discard(data.body);
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      return { kind: 'redirect', status, location };
    }
    const retryAfterMs =
      status === 429 || status === 503
        ? parseRetryAfter(header(data.headers, 'retry-after'), maxRetryAfterMs)
        : undefined;
    const error = new UpstreamStatusError(status, url.href, retryAfterMs);
    // A retryable status is a failure of the host (breaker counts it); any other answer shows
    // the host is up, so it leaves the breaker as a success and is thrown by the caller.
    if (error.retryable) throw error;
    return { kind: 'status', error };
  }

  /** One attempt: the request and every redirect after it, each hop checked again. */
  async function attempt(
    start: URL,
    fetchOptions: FetchOptions,
    context: ClassifyContext,
  ): Promise<{ data: Dispatcher.ResponseData; url: URL }> {
    const request: Request = {
      method: fetchOptions.method ?? 'GET',
      headers: { 'user-agent': userAgent },
      body: fetchOptions.body,
    };
    for (const [name, value] of Object.entries(fetchOptions.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!DROPPED_HEADERS.has(lower)) request.headers[lower] = value;
    }

    let url = start;
    for (let redirects = 0; ; redirects++) {
      if (context.signal.aborted) throw abortedError(context);
      const target = url;
      const hop = await breakers
        .forHost(hostKey(target))
        .execute(() => send(target, request, context), context.signal)
        .catch((err: unknown) => {
          throw err instanceof BrokenCircuitError ? circuitOpen(target, err) : err;
        });
      if (hop.kind === 'final') return { data: hop.data, url };
      if (hop.kind === 'status') throw hop.error;

      if (redirects >= maxRedirects) {
        throw new FetchError(
          'upstream_status',
          `more than ${maxRedirects} redirects from ${start.href}`,
          false,
          hop.status,
        );
      }
      let next: URL;
      try {
        next = new URL(hop.location, url);
      } catch {
        throw new FetchError(
          'upstream_status',
          `invalid redirect from ${url.href}`,
          false,
          hop.status,
        );
      }
      next = checkUrl(next, allowHosts); // scheme and literal address; the connector does the rest
      if (next.origin !== start.origin) {
        for (const name of CREDENTIAL_HEADERS) delete request.headers[name];
      }
      if (
        hop.status === 303 ||
        ((hop.status === 301 || hop.status === 302) && request.method === 'POST')
      ) {
        request.method = 'GET';
        request.body = undefined;
        delete request.headers['content-type'];
      }
      url = next;
    }
  }

  async function fetch(input: string, fetchOptions: FetchOptions): Promise<FetchResponse> {
    if (closing !== undefined) throw new FetchError('network', 'the fetcher is closed', false);
    const start = checkUrl(input, allowHosts);
    const deadline = AbortSignal.timeout(options.totalTimeoutMs);
    const deadlineAt = Date.now() + options.totalTimeoutMs;
    const signal =
      fetchOptions.signal === undefined
        ? deadline
        : AbortSignal.any([fetchOptions.signal, deadline]);
    const context: ClassifyContext = {
      signal,
      deadline,
      totalTimeoutMs: options.totalTimeoutMs,
      url: start.href,
    };

    /** The last failure that came from the upstream itself, to report instead of circuit_open. */
    let lastFailure: FetchError | undefined;
    const policy = retry(
      handleWhen(
        (error) =>
          error instanceof FetchError &&
          error.retryable &&
          error.kind !== 'circuit_open' &&
          !(error instanceof AbortedFetchError) &&
          !signal.aborted &&
          // Do not sleep past the deadline for a Retry-After we cannot honour: fail now.
          !(
            error instanceof UpstreamStatusError &&
            (error.retryAfterMs ?? 0) > deadlineAt - Date.now()
          ),
      ),
      { maxAttempts: options.retries, backoff },
    ).dangerouslyUnref();

    const attempts = policy.execute(async () => {
      try {
        return await attempt(start, fetchOptions, context);
      } catch (err) {
        const error = toFetchError(err, context);
        if (error.kind !== 'circuit_open' && !(error instanceof AbortedFetchError))
          lastFailure = error;
        throw error;
      }
    }, signal);

    let result: { data: Dispatcher.ResponseData; url: URL };
    try {
      result = await raceAbort(
        attempts,
        signal,
        () => abortedError(context),
        (late) => late.data.body.on('error', () => undefined).destroy(),
      );
    } catch (err) {
      const error = toFetchError(err, context);
      if (error.kind === 'circuit_open' && lastFailure !== undefined) throw lastFailure;
      throw error;
    }

    const { data, url } = result;
    const declared = Number(header(data.headers, 'content-length'));
    if (Number.isFinite(declared) && declared > fetchOptions.maxBytes) {
      data.body.on('error', () => undefined).destroy(); // closes the socket: the body is not read
      throw new FetchError(
        'too_large',
        `${url.href} declares ${declared} bytes, more than ${fetchOptions.maxBytes}`,
        false,
      );
    }
    return {
      status: data.statusCode,
      headers: flatHeaders(data.headers),
      url: url.href,
      body: capBody(data.body, fetchOptions.maxBytes, url.href, (err) =>
        toFetchError(err, context),
      ),
    };
  }

  /**
   * One POST through the host's breaker: no retry, no redirect. Our own deadline passing counts
   * as a timeout of the host (a receiver that never answers opens its breaker); the caller's
   * abort counts for nothing.
   */
  async function post(input: string, postOptions: PostOptions): Promise<PostResult> {
    if (closing !== undefined) throw new FetchError('network', 'the fetcher is closed', false);
    const url = checkUrl(input, allowHosts);
    const deadline = AbortSignal.timeout(postOptions.timeoutMs);
    const signal =
      postOptions.signal === undefined ? deadline : AbortSignal.any([postOptions.signal, deadline]);
    const context: ClassifyContext = {
      signal,
      deadline,
      totalTimeoutMs: postOptions.timeoutMs,
      url: url.href,
    };
    const classify = (err: unknown): FetchError => {
      const error = toFetchError(err, context);
      if (error instanceof AbortedFetchError && postOptions.signal?.aborted !== true) {
        return new FetchError(
          'timeout',
          `no answer from ${url.href} within ${postOptions.timeoutMs} ms`,
          true,
          undefined,
          { cause: err },
        );
      }
      return error;
    };
    const headers: Record<string, string> = { 'user-agent': userAgent };
    for (const [name, value] of Object.entries(postOptions.headers)) {
      const lower = name.toLowerCase();
      if (!DROPPED_HEADERS.has(lower)) headers[lower] = value;
    }

    const exchange = async (): Promise<PostResult> => {
      let data: Dispatcher.ResponseData;
      try {
        data = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers,
          body: postOptions.body,
          signal,
        });
      } catch (err) {
        throw classify(err);
      }
      const result: PostResult = { status: data.statusCode, headers: flatHeaders(data.headers) };
      // The answer is its status; a small body is read to keep the connection, a larger one cut.
      await data.body.dump({ limit: POST_RESPONSE_DRAIN_BYTES, signal }).catch(() => undefined);
      if (result.status >= 500 || result.status === 429) throw new FailedAnswer(url.href, result);
      return result;
    };

    try {
      return await breakers.forHost(hostKey(url)).execute(exchange, signal);
    } catch (err) {
      if (err instanceof FailedAnswer) return err.result;
      if (err instanceof BrokenCircuitError) throw circuitOpen(url, err);
      throw classify(err);
    }
  }

  return {
    assertAllowed(url) {
      checkUrl(url, allowHosts);
    },
    fetch,
    post,
    breakers: () => breakers.states(),
    close() {
      closing ??= (async () => {
        const closed = await Promise.race([
          agent.close().then(
            () => true,
            () => true,
          ),
          sleep(1000, false, { ref: false }),
        ]);
        if (!closed) await agent.destroy().catch(() => undefined);
      })();
      return closing;
    },
  };
}
