/**
 * How the fetcher uses its circuit breakers: one per (scope, `host:port`), the scope being whose
 * request it is (the tenant), so one tenant's failing URLs cannot starve another tenant's requests
 * to the same host. Only failures of the HOST count: connect and network errors, connect/headers
 * timeouts, and retryable statuses (5xx, 429) only once they came from several distinct paths of
 * the host since it last answered well. One URL that keeps answering 500 is that URL's failure
 * (the fetch or delivery of that URL fails, after its retries) and leaves the breaker as it was,
 * so other URLs of the same host still go through. A non-retryable answer (a 4xx) is a success for
 * the breaker (the host is up); our own total deadline or the caller's abort count for nothing.
 */
import { BrokenCircuitError } from 'cockatiel';
import { FetchError, type BreakerState } from '../../ports/fetcher.js';
import { effectivePort } from './allow-hosts.js';
import { createBreakerRegistry, type BreakerRegistry } from './breakers.js';
import { AbortedFetchError, UpstreamStatusError } from './errors.js';

export interface HostBreakerOptions {
  consecutiveFailures: number;
  halfOpenAfterMs: number;
  /** Distinct paths that must answer a retryable status before such answers count; default 3. */
  distinctFailingPaths?: number;
}

/** Open after 5 consecutive host failures, half-open after 30 s; statuses count from 3 paths. */
const DEFAULT_BREAKER: HostBreakerOptions = { consecutiveFailures: 5, halfOpenAfterMs: 30_000 };
const DEFAULT_DISTINCT_FAILING_PATHS = 3;

/** The breakers of every (scope, host), and which status failures were one path's only. */
export interface HostBreakers {
  registry: BreakerRegistry;
  distinctFailingPaths: number;
  /** Retryable status answers seen on too few paths to say anything about their host. */
  onePathOnly: WeakSet<Error>;
}

export function hostKey(url: URL): string {
  return `${url.hostname}:${effectivePort(url.protocol, url.port)}`;
}

/** A failure that may be the host's: worth retrying (the retry policy's test). */
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
  onChange?: (host: string, state: BreakerState, scope: string) => void,
): HostBreakers {
  const onePathOnly = new WeakSet<Error>();
  const registry = createBreakerRegistry({
    consecutiveFailures: options.consecutiveFailures,
    halfOpenAfterMs: options.halfOpenAfterMs,
    countsAsFailure: (error) => isHostFailure(error) && !onePathOnly.has(error),
    ...(onChange === undefined ? {} : { onChange }),
  });
  return {
    registry,
    distinctFailingPaths: options.distinctFailingPaths ?? DEFAULT_DISTINCT_FAILING_PATHS,
    onePathOnly,
  };
}

/**
 * `work` run inside the breaker of (`scope`, the host `url` goes to); an open circuit fails with
 * FetchError('circuit_open') without running it.
 */
export async function throughBreaker<T>(
  breakers: HostBreakers,
  scope: string,
  url: URL,
  work: () => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  const entry = breakers.registry.get(scope, hostKey(url));
  const { failingPaths } = entry;
  const judged = async (): Promise<T> => {
    try {
      const answer = await work();
      failingPaths.clear(); // the host answered
      return answer;
    } catch (err) {
      if (err instanceof UpstreamStatusError && err.retryable) {
        if (failingPaths.size < breakers.distinctFailingPaths) failingPaths.add(url.pathname);
        if (failingPaths.size < breakers.distinctFailingPaths) breakers.onePathOnly.add(err);
      }
      throw err;
    }
  };
  try {
    return await entry.policy.execute(judged, signal);
  } catch (err) {
    if (!(err instanceof BrokenCircuitError)) throw err;
    const message = `circuit open for ${hostKey(url)}: not connecting`;
    throw new FetchError('circuit_open', message, true, undefined, { cause: err });
  }
}
