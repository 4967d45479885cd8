/**
 * One circuit breaker per upstream `host:port` (cockatiel ConsecutiveBreaker + halfOpenAfter),
 * created on first use. The registry is bounded: past `maxHosts` the least recently used
 * closed breaker is forgotten (an open one only when every breaker is open), so URLs from
 * users cannot grow it without limit.
 */
import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { BreakerState } from '../../ports/fetcher.js';

export interface BreakerRegistryOptions {
  consecutiveFailures: number;
  halfOpenAfterMs: number;
  /** Which errors count as failures of the host; any other error neither opens nor resets. */
  countsAsFailure(error: Error): boolean;
  onChange?(host: string, state: BreakerState): void;
  maxHosts?: number;
}

export interface BreakerRegistry {
  forHost(host: string): CircuitBreakerPolicy;
  states(): Record<string, BreakerState>;
}

export function toBreakerState(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}

export function createBreakerRegistry(options: BreakerRegistryOptions): BreakerRegistry {
  const maxHosts = options.maxHosts ?? 1000;
  const breakers = new Map<string, CircuitBreakerPolicy>();

  function evictOne(): void {
    let victim: string | undefined;
    for (const [host, breaker] of breakers) {
      victim ??= host;
      if (breaker.state === CircuitState.Closed) {
        victim = host;
        break;
      }
    }
    if (victim !== undefined) breakers.delete(victim);
  }

  return {
    forHost(host) {
      let breaker = breakers.get(host);
      if (breaker !== undefined) {
        breakers.delete(host); // re-inserted below: the map's order is least recently used first
      } else {
        if (breakers.size >= maxHosts) evictOne();
        breaker = circuitBreaker(handleWhen(options.countsAsFailure), {
          halfOpenAfter: options.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(options.consecutiveFailures),
        });
        breaker.onStateChange((state) => {
          try {
            options.onChange?.(host, toBreakerState(state));
          } catch {
            // A listener's bug must not fail the fetch that moved the breaker.
          }
        });
      }
      breakers.set(host, breaker);
      return breaker;
    },
    states() {
      const states: Record<string, BreakerState> = {};
      for (const [host, breaker] of breakers) states[host] = toBreakerState(breaker.state);
      return states;
    },
  };
}
