/**
 * Tiered rate limits: a fixed one-minute window per caller (API key, JWT subject, or client IP
 * when unauthenticated) and per route class, sized by the caller's rate tier. When the store
 * fails, requests pass (fail open, the default) or are refused with 503 (fail closed); either
 * way the failure is reported so /health and the metrics show it.
 */
import { AppError } from '../errors.js';
import type { RateLimitStore } from '../ports/rate-limit-store.js';
import type { RateTier, RouteClass } from '../ports/principal.js';

export const WINDOW_MS = 60_000;

export interface RateLimitDecision {
  limit: number;
  remaining: number;
  /** Seconds until the window resets (RateLimit-Reset, Retry-After). */
  resetSeconds: number;
  allowed: boolean;
}

export interface RateLimiterOptions {
  store: RateLimitStore;
  limits: Record<RouteClass, number>;
  elevatedFactor: number;
  onStoreFailure: 'open' | 'closed';
  /** Told of every store failure (metrics, logs, health). */
  reportStoreFailure(error: unknown): void;
}

export class RateLimiter {
  constructor(private readonly options: RateLimiterOptions) {}

  limitFor(routeClass: RouteClass, tier: RateTier): number {
    const base = this.options.limits[routeClass];
    if (tier === 'unlimited' || base === 0) return 0;
    return tier === 'elevated' ? base * this.options.elevatedFactor : base;
  }

  /** Counts the request; null when it is not limited at all (or the store failed open). */
  async check(
    caller: string,
    routeClass: RouteClass,
    tier: RateTier,
  ): Promise<RateLimitDecision | null> {
    const limit = this.limitFor(routeClass, tier);
    if (limit === 0) return null;
    let count: number;
    let resetMs: number;
    try {
      ({ count, resetMs } = await this.options.store.hit(`${routeClass}:${caller}`, WINDOW_MS));
    } catch (error) {
      this.options.reportStoreFailure(error);
      if (this.options.onStoreFailure === 'open') return null;
      throw new AppError(
        'DEPENDENCY_UNAVAILABLE',
        'Rate limits cannot be checked right now; retry shortly',
        {
          retryAfterSeconds: 1,
          cause: error,
        },
      );
    }
    return {
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
      allowed: count <= limit,
    };
  }
}

/**
 * The brute-force guard: failed authentications per client address. Past the limit the address
 * gets 429 for the rest of the window, whatever it presents.
 */
export class AuthFailureGuard {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly reportStoreFailure: (error: unknown) => void,
  ) {}

  /** Seconds the address must wait, or 0 when it may try. */
  async blockedFor(address: string): Promise<number> {
    try {
      const window = await this.store.peek(`authfail:${address}`);
      return window !== null && window.count >= this.limit
        ? Math.max(1, Math.ceil(window.resetMs / 1000))
        : 0;
    } catch (error) {
      this.reportStoreFailure(error);
      return 0;
    }
  }

  async recordFailure(address: string): Promise<void> {
    try {
      await this.store.hit(`authfail:${address}`, this.windowMs);
    } catch (error) {
      this.reportStoreFailure(error);
    }
  }
}
