/**
 * The one way requests leave the client: retries on 429 and 503 honouring Retry-After (bounded
 * by count and by the longest wait allowed), network failures as QuireNetworkError, and every
 * answer that is not a success as a QuireError.
 */
import { QuireError, QuireNetworkError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt (default 3). */
  maxRetries: number;
  /** A Retry-After longer than this is not waited for: the error is thrown (default 30 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, maxDelayMs: 30_000 };

const RETRYABLE_STATUS = new Set([429, 503]);

export interface SendOptions {
  /** Whether the request may be sent again (its body can be made again, it is safe to repeat). */
  retry: boolean;
  signal?: AbortSignal | undefined;
}

export type Send = (make: () => Request, options: SendOptions) => Promise<Response>;

export function createSend(fetchImpl: typeof fetch, policy: RetryPolicy): Send {
  return async function send(make, { retry, signal }) {
    for (let attempt = 0; ; attempt++) {
      const request = make();
      const canRetry = retry && attempt < policy.maxRetries;
      let response: Response;
      try {
        response = await fetchImpl(request);
      } catch (error) {
        if (signal?.aborted || request.signal.aborted) throw error;
        const failure = new QuireNetworkError(
          `${request.method} ${request.url}: ${describe(error)}`,
          error,
        );
        if (!canRetry) throw failure;
        await sleep(backoff(attempt), signal);
        continue;
      }
      if (response.ok || response.status === 304) return response;
      const error = await QuireError.fromResponse(response);
      if (!canRetry || !RETRYABLE_STATUS.has(response.status)) throw error;
      const waitMs =
        error.retryAfterSeconds === undefined ? backoff(attempt) : error.retryAfterSeconds * 1000;
      if (waitMs > policy.maxDelayMs) throw error;
      await sleep(waitMs, signal);
    }
  };
}

/** Without Retry-After: 0.5 s, 1 s, 2 s… jittered to 50–100 %. */
function backoff(attempt: number): number {
  const base = 500 * 2 ** attempt;
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : '';
    return detail && detail !== error.message ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
