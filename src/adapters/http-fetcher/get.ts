/**
 * `fetch`: a request (GET unless told) retried where retrying can help, each attempt following
 * redirects by hand, each hop through the breaker of its host.
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
 *
 * Cockatiel's retry delays do not listen to the AbortSignal (and a Retry-After may ask for up
 * to 30 s), so the whole policy is raced against the signal: the caller gets its error as soon
 * as the deadline passes or it aborts; the retry timer is unref'd and its late attempt sees
 * the aborted signal and stops without sending anything.
 */
import {
  handleWhen,
  retry,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import type { Dispatcher } from 'undici';
import type { FetchError, FetchOptions, FetchResponse } from '../../ports/fetcher.js';
import {
  AbortedFetchError,
  UpstreamStatusError,
  abortedError,
  toFetchError,
  type ClassifyContext,
} from './errors.js';
import { isHostFailure, throughBreaker, type HostBreakers } from './host-breaker.js';
import { outgoingHeaders, type OutgoingRequest } from './outgoing.js';
import { raceAbort } from './race-abort.js';
import { redirectTarget, redirectedRequest, type RedirectPolicy } from './redirects.js';
import { shapeResponse } from './response.js';
import { sendHop, type HopSettings } from './send.js';
import { checkUrl } from './url-policy.js';

export interface GetSettings extends HopSettings, RedirectPolicy {
  breakers: HostBreakers;
  userAgent: string;
  /** The whole fetch: every attempt, redirect and backoff, and reading the body. */
  totalTimeoutMs: number;
  /** Attempts after the first, for retryable failures. */
  retries: number;
  backoff: IBackoffFactory<IRetryBackoffContext<unknown>>;
}

/** Where an attempt ended: the 2xx response and the URL it came from. */
interface Arrival {
  data: Dispatcher.ResponseData;
  url: URL;
}

export async function fetchWithRetries(
  settings: GetSettings,
  input: string,
  options: FetchOptions,
): Promise<FetchResponse> {
  const start = checkUrl(input, settings.allowHosts);
  const deadline = AbortSignal.timeout(settings.totalTimeoutMs);
  const deadlineAt = Date.now() + settings.totalTimeoutMs;
  const signal =
    options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  const context: ClassifyContext = {
    signal,
    deadline,
    totalTimeoutMs: settings.totalTimeoutMs,
    url: start.href,
  };
  const { data, url } = await withRetries(settings, context, deadlineAt, () =>
    attempt(settings, start, options, context),
  );
  return shapeResponse(data, url, options.maxBytes, context);
}

/**
 * `once` until it succeeds or fails for good, settled as soon as the fetch's signal aborts. An
 * open circuit met after the upstream was reached fails with the upstream's own last failure.
 */
async function withRetries(
  settings: GetSettings,
  context: ClassifyContext,
  deadlineAt: number,
  once: () => Promise<Arrival>,
): Promise<Arrival> {
  /** The last failure that came from the upstream itself, to report instead of circuit_open. */
  let lastFailure: FetchError | undefined;
  const attempts = retryPolicy(settings, context.signal, deadlineAt).execute(async () => {
    try {
      return await once();
    } catch (err) {
      const error = toFetchError(err, context);
      if (error.kind !== 'circuit_open' && !(error instanceof AbortedFetchError))
        lastFailure = error;
      throw error;
    }
  }, context.signal);
  try {
    return await raceAbort(
      attempts,
      context.signal,
      () => abortedError(context),
      (late) => late.data.body.on('error', () => undefined).destroy(),
    );
  } catch (err) {
    const error = toFetchError(err, context);
    if (error.kind === 'circuit_open' && lastFailure !== undefined) throw lastFailure;
    throw error;
  }
}

/** Retries host failures while there is time; never an open circuit, never after the signal. */
function retryPolicy(
  { retries, backoff }: GetSettings,
  signal: AbortSignal,
  deadlineAt: number,
): RetryPolicy {
  return retry(
    handleWhen(
      (error) =>
        isHostFailure(error) &&
        !signal.aborted &&
        // Do not sleep past the deadline for a Retry-After we cannot honour: fail now.
        !(
          error instanceof UpstreamStatusError &&
          (error.retryAfterMs ?? 0) > deadlineAt - Date.now()
        ),
    ),
    { maxAttempts: retries, backoff },
  ).dangerouslyUnref();
}

/** One attempt: the request and every redirect after it, each hop checked again. */
async function attempt(
  settings: GetSettings,
  start: URL,
  options: FetchOptions,
  context: ClassifyContext,
): Promise<Arrival> {
  let request: OutgoingRequest = {
    method: options.method ?? 'GET',
    headers: outgoingHeaders(settings.userAgent, options.headers ?? {}),
    body: options.body,
  };
  let url = start;
  for (let redirects = 0; ; redirects++) {
    if (context.signal.aborted) throw abortedError(context);
    const [target, sent] = [url, request];
    const hop = await throughBreaker(
      settings.breakers,
      options.scope ?? '',
      target,
      () => sendHop(settings, target, sent, context),
      context.signal,
    );
    if (hop.kind === 'final') return { data: hop.data, url };
    if (hop.kind === 'status') throw hop.error;
    const next = redirectTarget(hop, url, start, redirects, settings);
    request = redirectedRequest(request, hop.status, next.origin !== start.origin);
    url = next;
  }
}
