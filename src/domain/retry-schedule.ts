/**
 * When a failed job runs again: exponential backoff from a base delay, capped. The job runner
 * jitters it; webhooks size their attempts from it so retries span the configured window.
 */

/** The delay before the retry that follows `attempts` failed attempts, before jitter. */
export function nominalRetryDelay(baseMs: number, attempts: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseMs * 2 ** Math.max(0, attempts - 1));
}
