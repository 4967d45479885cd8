/**
 * How the fetcher uses its circuit breakers: one per `host:port`, which failures count against
 * a host, and sending through the breaker of the host a request goes to. Only host failures count
 * (network, connect/headers timeout, 5xx, 429); a 4xx answer is a success for the breaker (the
 * host is up), and our own total deadline or the caller's abort count for nothing.
 */
import { BrokenCircuitError } from 'cockatiel';
import { FetchError, type BreakerState } from '../../ports/fetcher.js';
import { effectivePort } from './allow-hosts.js';
import { createBreakerRegistry, type BreakerRegistry } from './breakers.js';
import { AbortedFetchError } from './errors.js';

export interface HostBreakerOptions {
  consecutiveFailures: number;
  halfOpenAfterMs: number;
}

/** Open after 5 consecutive failures, half-open after 30 s. */
const DEFAULT_BREAKER: HostBreakerOptions = { consecutiveFailures: 5, halfOpenAfterMs: 30_000 };

export function hostKey(url: URL): string {
  return `${url.hostname}:${effectivePort(url.protocol, url.port)}`;
}

/** A failure of the host itself: counts against its breaker, and is worth retrying. */
export function isHostFailure(error: Error): boolean {
  return (
    error instanceof FetchError &&
    error.retryable &&
    error.kind !== 'circuit_open' &&
    !(error instanceof AbortedFetchError)
  );
}

export function createHostBreakers(
  options: HostBreakerOptions = DEFAULT_BREAKER,
  onChange?: (host: string, state: BreakerState) => void,
): BreakerRegistry {
  return createBreakerRegistry({
    consecutiveFailures: options.consecutiveFailures,
    halfOpenAfterMs: options.halfOpenAfterMs,
    countsAsFailure: isHostFailure,
    ...(onChange === undefined ? {} : { onChange }),
  });
}

/**
 * `work` run inside the breaker of the host `url` goes to; an open circuit fails with
 * FetchError('circuit_open') without running it.
 */
export async function throughBreaker<T>(
  breakers: BreakerRegistry,
  url: URL,
  work: () => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  try {
    return await breakers.forHost(hostKey(url)).execute(work, signal);
  } catch (err) {
    if (!(err instanceof BrokenCircuitError)) throw err;
    const message = `circuit open for ${hostKey(url)}: not connecting`;
    throw new FetchError('circuit_open', message, true, undefined, { cause: err });
  }
}
