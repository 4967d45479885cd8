/**
 * How long a failing webhook delivery keeps being retried: delays double from the base up to an
 * hour, jittered, and the delivery job gets as many attempts as span the configured window.
 */
import { nominalRetryDelay } from '../retry-schedule.js';

/** Retry delays double from QUIRE_WEBHOOK_RETRY_BASE_MS up to this. */
export const WEBHOOK_MAX_RETRY_DELAY_MS = 60 * 60_000;
/** Each retry delay is drawn from [90%, 100%] of its nominal value. */
export const WEBHOOK_RETRY_JITTER = 0.1;
/** A runaway window or a tiny base cannot make a job retry forever. */
const MAX_ATTEMPTS_CEILING = 1000;

/**
 * Attempts a delivery job gets so that its retries span at least `windowMs`, even when every
 * delay is drawn at the short end of its jitter: with a 10 s base doubling to a 1 h cap, 24 h
 * is 36 attempts (the last one between ~24.7 h and ~27.4 h after the first).
 */
export function webhookMaxAttempts(baseMs: number, windowMs: number): number {
  let attempts = 1;
  let covered = 0;
  while (covered < windowMs && attempts < MAX_ATTEMPTS_CEILING) {
    const delay = nominalRetryDelay(baseMs, attempts, WEBHOOK_MAX_RETRY_DELAY_MS);
    covered += delay * (1 - WEBHOOK_RETRY_JITTER);
    attempts++;
  }
  return attempts;
}
