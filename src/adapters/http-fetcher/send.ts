/**
 * One hop of a fetch: one request to one URL, no redirect followed, run inside the breaker of the
 * host it goes to. Its answer is the final (2xx) response, a redirect to follow, or a status that
 * is the caller's failure; a retryable status (5xx, 429) is thrown instead, so that the breaker
 * counts it against the host.
 */
import type { Dispatcher } from 'undici';
import { FetchError } from '../../ports/fetcher.js';
import { parseRetryAfter } from './backoff.js';
import { UpstreamStatusError, toFetchError, type ClassifyContext } from './errors.js';
import type { OutgoingRequest } from './outgoing.js';
import { isRedirectStatus } from './redirects.js';
import { discardBody, headerValue } from './response.js';

export type Hop =
  | { kind: 'final'; data: Dispatcher.ResponseData }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'status'; error: UpstreamStatusError };

export interface HopSettings {
  dispatcher: Dispatcher;
  /** From dispatch to the response headers, waiting for a pooled connection and connecting included. */
  headersTimeoutMs: number;
  /** Longest Retry-After honoured. */
  maxRetryAfterMs: number;
}

export async function sendHop(
  settings: HopSettings,
  url: URL,
  request: OutgoingRequest,
  context: ClassifyContext,
): Promise<Hop> {
  const data = await dispatchUntilHeaders(settings, url, request, context);
  return hopOf(data, url, settings.maxRetryAfterMs);
}

/** The request sent, resolved once the response headers are in (the body not yet read). */
async function dispatchUntilHeaders(
  { dispatcher, headersTimeoutMs }: HopSettings,
  url: URL,
  request: OutgoingRequest,
  context: ClassifyContext,
): Promise<Dispatcher.ResponseData> {
  // Our own headers timer: undici's headersTimeout runs on a coarse (~1 s) clock; it stays
  // set as a backstop. Cleared once the headers are in, so it never cuts the body.
  const headers = new AbortController();
  const timer = setTimeout(() => headers.abort(), headersTimeoutMs);
  try {
    return await dispatcher.request({
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
        `no response headers from ${url.href} within ${headersTimeoutMs} ms`,
        true,
        undefined,
        { cause: err },
      );
    }
    throw toFetchError(err, context);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What an answer from `url` means for the fetch; the body of anything but a final answer is
 * discarded. Throws the UpstreamStatusError of a retryable status (a failure of the host).
 */
export function hopOf(data: Dispatcher.ResponseData, url: URL, maxRetryAfterMs: number): Hop {
  const status = data.statusCode;
  if (status >= 200 && status < 300) return { kind: 'final', data };
  const location = headerValue(data.headers, 'location');
  discardBody(data.body);
  if (isRedirectStatus(status) && location !== undefined) {
    return { kind: 'redirect', status, location };
  }
  const retryAfterMs =
    status === 429 || status === 503
      ? parseRetryAfter(headerValue(data.headers, 'retry-after'), maxRetryAfterMs)
      : undefined;
  const error = new UpstreamStatusError(status, url.href, retryAfterMs);
  // A retryable status is a failure of the host (breaker counts it); any other answer shows
  // the host is up, so it leaves the breaker as a success and is thrown by the caller.
  if (error.retryable) throw error;
  return { kind: 'status', error };
}
