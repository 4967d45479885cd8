/**
 * Counts refused requests by error code in a rolling window, in the shared store (Redis in
 * scale-out), so GET /v1/admin/stats answers for the whole deployment, not one process.
 */
import { ERROR_CATALOGUE, type ErrorCode } from '../ports/failures.js';
import type { RateLimitStore } from '../ports/rate-limit-store.js';

export const REJECTION_WINDOW_MS = 3_600_000;

export class RejectionStats {
  constructor(
    private readonly store: RateLimitStore,
    private readonly reportStoreFailure: (error: unknown) => void,
  ) {}

  /** Fire and forget: a stats hiccup never slows or fails the request being refused. */
  record(code: ErrorCode): void {
    this.store.hit(`stats:rejections:${code}`, REJECTION_WINDOW_MS).catch(this.reportStoreFailure);
  }

  async byReason(): Promise<Record<string, number>> {
    const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
    const counts = await Promise.all(
      codes.map((code) => this.store.peek(`stats:rejections:${code}`)),
    );
    const result: Record<string, number> = {};
    codes.forEach((code, i) => {
      const count = counts[i]?.count ?? 0;
      if (count > 0) result[code] = count;
    });
    return result;
  }
}
