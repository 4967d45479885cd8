/**
 * One circuit breaker per (scope, upstream `host:port`) (cockatiel ConsecutiveBreaker +
 * halfOpenAfter), created on first use; the scope is whose requests go through it (a tenant), so
 * one tenant's failures never open the breaker another tenant's requests go through. The registry
 * is bounded: past `maxBreakers` the least recently used closed breaker is forgotten (an open one
 * only when every breaker is open), so URLs from users cannot grow it without limit.
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
  onChange?(host: string, state: BreakerState, scope: string): void;
  maxBreakers?: number;
}

/** A breaker and what its owner remembers alongside it (see host-breaker.ts). */
export interface BreakerEntry {
  policy: CircuitBreakerPolicy;
  /** Distinct paths that answered a retryable status since the host last answered well. */
  failingPaths: Set<string>;
}

export interface BreakerRegistry {
  get(scope: string, host: string): BreakerEntry;
  /** Per host: its worst state over every scope (open, then half open, then closed). */
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

const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

interface Entry extends BreakerEntry {
  scope: string;
  host: string;
}

export function createBreakerRegistry(options: BreakerRegistryOptions): BreakerRegistry {
  const maxBreakers = options.maxBreakers ?? 1000;
  const entries = new Map<string, Entry>();

  function evictOne(): void {
    let victim: string | undefined;
    for (const [key, entry] of entries) {
      victim ??= key;
      if (entry.policy.state === CircuitState.Closed) {
        victim = key;
        break;
      }
    }
    if (victim !== undefined) entries.delete(victim);
  }

  function create(scope: string, host: string): Entry {
    const policy = circuitBreaker(handleWhen(options.countsAsFailure), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.consecutiveFailures),
    });
    policy.onStateChange((state) => {
      try {
        options.onChange?.(host, toBreakerState(state), scope);
      } catch {
        // A listener's bug must not fail the fetch that moved the breaker.
      }
    });
    return { policy, failingPaths: new Set(), scope, host };
  }

  return {
    get(scope, host) {
      // JSON keeps the two parts apart whatever characters a scope holds.
      const key = JSON.stringify([scope, host]);
      let entry = entries.get(key);
      if (entry !== undefined) {
        entries.delete(key); // re-inserted below: the map's order is least recently used first
      } else {
        if (entries.size >= maxBreakers) evictOne();
        entry = create(scope, host);
      }
      entries.set(key, entry);
      return entry;
    },
    states() {
      const states: Record<string, BreakerState> = {};
      for (const { host, policy } of entries.values()) {
        const state = toBreakerState(policy.state);
        const seen = states[host];
        if (seen === undefined || SEVERITY[state] > SEVERITY[seen]) states[host] = state;
      }
      return states;
    },
  };
}
