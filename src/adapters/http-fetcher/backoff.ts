/**
 * The delay between attempts: cockatiel's exponential backoff with decorrelated jitter, raised
 * to the upstream's `Retry-After` (on 429 and 503) when that asks for longer, capped.
 */
import {
  ExponentialBackoff,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { UpstreamStatusError } from './errors.js';

type Context = IRetryBackoffContext<unknown>;

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date, clamped to [0, capMs];
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  capMs: number,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), capMs);
}

/** The Retry-After the last failure asked for, in milliseconds. */
export function retryAfterOf(context: Context): number | undefined {
  const result = context.result;
  return 'error' in result && result.error instanceof UpstreamStatusError
    ? result.error.retryAfterMs
    : undefined;
}

function honouring(backoff: IBackoff<unknown>, context: Context): IBackoff<Context> {
  return {
    duration: Math.max(backoff.duration, retryAfterOf(context) ?? 0),
    next: (nextContext) => honouring(backoff.next(nextContext), nextContext),
  };
}

export function retryBackoff(baseMs: number, maxMs: number): IBackoffFactory<Context> {
  const exponential = new ExponentialBackoff({ initialDelay: baseMs, maxDelay: maxMs });
  return { next: (context) => honouring(exponential.next(), context) };
}
