/**
 * How S3 failures surface. Answers that mean "no such object" pass through for the store to
 * handle; everything else means the store cannot serve, and becomes a 503
 * DEPENDENCY_UNAVAILABLE. Unreachable, 5xx and throttled answers also count toward the circuit
 * breaker, so an outage fails fast instead of every request waiting out the SDK's retries (the
 * SDK's standard retry strategy, configured where the client is built, already retries those
 * with jittered backoff before they get here).
 */
import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { AppError } from '../../errors.js';
import { isDependencyFailure } from '../dependency-failures.js';

interface S3ErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as S3ErrorShape).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function nameOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name } = error as S3ErrorShape;
  return typeof name === 'string' ? name : undefined;
}

/** The object (or version) is not there. */
export function isNotFound(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/** A Range request on an empty object (S3 answers 416 InvalidRange). */
export function isInvalidRange(error: unknown): boolean {
  return nameOf(error) === 'InvalidRange' || statusOf(error) === 416;
}

/** The store is down, overloaded or unreachable: what the breaker counts. */
export function isUnavailable(error: unknown): boolean {
  if (isDependencyFailure(error)) return true;
  const status = statusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const name = nameOf(error);
  if (name === 'TimeoutError' || name === 'RequestTimeout' || name === 'SlowDown') return true;
  if (typeof error === 'object' && error !== null && (error as S3ErrorShape).$retryable)
    return true;
  // The SDK wraps socket errors; the code may sit on the cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== error && isDependencyFailure(cause);
}

export interface S3Guard {
  /** Runs one S3 operation through the breaker; failures other than not-found become 503s. */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** True while the breaker is open: the store is known to be down. */
  readonly open: boolean;
}

export interface S3GuardOptions {
  /** Consecutive unavailable answers that open the breaker. */
  threshold?: number;
  /** How long the breaker stays open before one call may test the store again. */
  halfOpenAfterMs?: number;
  onStateChange?: (state: 'open' | 'half-open' | 'closed') => void;
}

export function unavailable(cause: unknown): AppError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new AppError(
    'DEPENDENCY_UNAVAILABLE',
    `The blob store (S3) is unavailable: ${reason.slice(0, 200)}`,
    { retryAfterSeconds: 5, cause },
  );
}

const STATE_NAMES: Partial<Record<CircuitState, 'open' | 'half-open' | 'closed'>> = {
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Closed]: 'closed',
};

export function createS3Guard({
  threshold = 5,
  halfOpenAfterMs = 5000,
  onStateChange,
}: S3GuardOptions = {}): S3Guard {
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen(isUnavailable), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(threshold),
  });
  if (onStateChange !== undefined)
    breaker.onStateChange((state) => {
      const name = STATE_NAMES[state];
      if (name !== undefined) onStateChange(name);
    });
  return {
    async run(operation) {
      try {
        return await breaker.execute(operation);
      } catch (error) {
        if (error instanceof AppError || isNotFound(error) || isInvalidRange(error)) throw error;
        if (isAbort(error)) throw error;
        if (isBrokenCircuitError(error))
          throw unavailable(new Error('circuit open after repeated failures'));
        throw unavailable(error);
      }
    },
    get open() {
      return breaker.state === CircuitState.Open;
    },
  };
}

function isAbort(error: unknown): boolean {
  return nameOf(error) === 'AbortError';
}
