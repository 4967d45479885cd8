/**
 * The time every decision is made at: expiry, caches, retry schedules, timestamps, id prefixes.
 * Domain code asks a Clock, never Date.now(), so a test can set the time. Durations (took_ms,
 * server timing) are measured with performance.now(), which is not a decision.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The machine's wall clock: what the composition root hands every service. */
export const systemClock: Clock = { now: () => Date.now() };

/** The clock's time as ISO-8601, the form every record stores. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
