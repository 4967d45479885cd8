/**
 * `post` (webhook deliveries): one POST through the host's breaker, no retry (the job retries),
 * no redirect followed; whatever status the receiver answers is the caller's to judge. Our own
 * deadline passing counts as a timeout of the host (a receiver that never answers opens its
 * breaker); the caller's abort counts for nothing.
 */
import type { Dispatcher } from 'undici';
import {
  FetchError,
  POST_RESPONSE_DRAIN_BYTES,
  type PostOptions,
  type PostResult,
} from '../../ports/fetcher.js';
import type { AllowHosts } from './allow-hosts.js';
import {
  AbortedFetchError,
  UpstreamStatusError,
  toFetchError,
  type ClassifyContext,
} from './errors.js';
import { throughBreaker, type HostBreakers } from './host-breaker.js';
import { outgoingHeaders } from './outgoing.js';
import { flatHeaders } from './response.js';
import { checkUrl } from './url-policy.js';

export interface PostSettings {
  dispatcher: Dispatcher;
  breakers: HostBreakers;
  allowHosts: AllowHosts;
  userAgent: string;
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

export async function postOnce(
  settings: PostSettings,
  input: string,
  options: PostOptions,
): Promise<PostResult> {
  const url = checkUrl(input, settings.allowHosts);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  const context: ClassifyContext = {
    signal,
    deadline,
    totalTimeoutMs: options.timeoutMs,
    url: url.href,
  };
  const classify = (err: unknown): FetchError => postFailure(err, context, options);
  const headers = outgoingHeaders(settings.userAgent, options.headers);
  const exchange = async (): Promise<PostResult> => {
    let data: Dispatcher.ResponseData;
    try {
      data = await settings.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        body: options.body,
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
    return await throughBreaker(settings.breakers, options.scope ?? '', url, exchange, signal);
  } catch (err) {
    if (err instanceof FailedAnswer) return err.result;
    throw classify(err);
  }
}

/** Why a POST got no answer: past our own deadline it is the receiver's timeout. */
export function postFailure(
  err: unknown,
  context: ClassifyContext,
  options: Pick<PostOptions, 'signal' | 'timeoutMs'>,
): FetchError {
  const error = toFetchError(err, context);
  if (error instanceof AbortedFetchError && options.signal?.aborted !== true) {
    return new FetchError(
      'timeout',
      `no answer from ${context.url} within ${options.timeoutMs} ms`,
      true,
      undefined,
      { cause: err },
    );
  }
  return error;
}
