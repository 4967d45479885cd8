/**
 * Outbound HTTP for URL ingestion and webhooks: http/https only, every resolved address checked
 * at connect time and after every redirect (SSRF guard), bounded in time and bytes, retried with
 * jittered backoff where retrying can help, and behind a circuit breaker per (scope, host).
 */
import type { Readable } from 'node:stream';

export interface FetchOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Past this many response bytes the body stream errors with AppError PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  signal?: AbortSignal;
  /**
   * Whose request this is (a tenant id): each scope has its own circuit breaker per host, so one
   * tenant's failures cannot keep another tenant's requests from a host. Default: one shared scope.
   */
  scope?: string;
}

export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  /** The URL the response came from, after redirects. */
  url: string;
  /** The body, capped at maxBytes; consume or destroy it. */
  body: Readable;
}

/** One POST whose answer, whatever its status, is the caller's to judge (webhooks). */
export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  /** The whole exchange: connecting, sending, the response headers and draining its body. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** As FetchOptions.scope. */
  scope?: string;
}

export interface PostResult {
  status: number;
  headers: Record<string, string>;
}

/** Response bytes a POST reads (and discards) before it closes the connection instead. */
export const POST_RESPONSE_DRAIN_BYTES = 64 * 1024;

/** Why a fetch failed; `retryable` tells a job whether trying again later can help. */
export type FetchFailureKind =
  'not_allowed' | 'timeout' | 'network' | 'upstream_status' | 'too_large' | 'circuit_open';

export class FetchError extends Error {
  constructor(
    readonly kind: FetchFailureKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FetchError';
  }
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface Fetcher {
  /**
   * Throws FetchError('not_allowed') at once for a forbidden scheme or literal address, without
   * connecting (for 422 URL_NOT_ALLOWED at request time).
   */
  assertAllowed(url: string): void;
  /** Resolves with a 2xx response; throws FetchError otherwise (after its retries). */
  fetch(url: string, options: FetchOptions): Promise<FetchResponse>;
  /**
   * One POST, no retry, redirects NOT followed (a 3xx is returned like any other status), the
   * same SSRF guard and breakers as `fetch`. Resolves with any status the server
   * answered (its body read up to POST_RESPONSE_DRAIN_BYTES and discarded); throws FetchError
   * when there was no answer: `not_allowed`, `timeout`, `network` or `circuit_open`.
   */
  post(url: string, options: PostOptions): Promise<PostResult>;
  /** Circuit-breaker state per host (the worst over its scopes), for /health and metrics. */
  breakers(): Record<string, BreakerState>;
  close(): Promise<void>;
}
