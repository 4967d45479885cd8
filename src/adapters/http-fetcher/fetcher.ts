/**
 * The Fetcher port over undici: one pooled Agent whose connector is the SSRF guard, redirects
 * followed by hand (every hop re-checked), connect/headers/total timeouts, a byte cap on the
 * body, retries with jittered exponential backoff (honouring Retry-After) and a circuit
 * breaker per (tenant, host:port) that only host-wide failures open. `post` (webhook deliveries) is one request through the same guard and
 * breakers, with no retry (the job retries) and no redirect followed.
 *
 * Its parts: get.ts (fetch: retries outside, the breaker inside, and why that order), post.ts
 * (webhooks), send.ts (one hop and what its answer means), redirects.ts, outgoing.ts (request
 * headers), response.ts (response shaping and the byte cap), host-breaker.ts (what counts against
 * a host), race-abort.ts, and the SSRF guard (url-policy.ts, guarded-connector.ts). This file
 * puts them together behind the Fetcher port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { FetchError, type BreakerState, type Fetcher } from '../../ports/fetcher.js';
import { VERSION } from '../../version.js';
import { parseAllowHosts, type AllowHosts } from './allow-hosts.js';
import { retryBackoff } from './backoff.js';
import { fetchWithRetries, type GetSettings } from './get.js';
import { createGuardedConnector } from './guarded-connector.js';
import { createHostBreakers, type HostBreakerOptions } from './host-breaker.js';
import { postOnce, type PostSettings } from './post.js';
import { checkUrl } from './url-policy.js';

export interface HttpFetcherOptions {
  /** `host` or `host:port` exempt from the address guard, e.g. `127.0.0.1:4567`. */
  allowHosts: string[];
  connectTimeoutMs: number;
  /**
   * Per request (each attempt, each redirect hop): from dispatch to the response headers,
   * waiting for a pooled connection and connecting included.
   */
  headersTimeoutMs: number;
  /** The whole fetch: every attempt, redirect and backoff, and reading the body. */
  totalTimeoutMs: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Attempts after the first, for retryable failures. */
  retries: number;
  /** First backoff, before jitter; default 200 ms. */
  retryBaseMs?: number;
  /** Longest backoff; default 10 s. */
  retryMaxDelayMs?: number;
  /** Longest Retry-After honoured; default 30 s. */
  maxRetryAfterMs?: number;
  /**
   * Default: open after 5 consecutive host failures, half-open after 30 s; 5xx/429 answers count
   * once 3 distinct paths of the host gave them.
   */
  breaker?: HostBreakerOptions;
  /** Default `quire/<version>`; a caller's User-Agent header wins. */
  userAgent?: string;
  /** Connections per origin in the pool; default 16. */
  connections?: number;
  onBreakerChange?(host: string, state: BreakerState, scope: string): void;
}

/** How long a close waits for requests in flight before it destroys the pool. */
const CLOSE_GRACE_MS = 1000;

export function createHttpFetcher(options: HttpFetcherOptions): Fetcher {
  const allowHosts = parseAllowHosts(options.allowHosts);
  const dispatcher = createAgent(options, allowHosts);
  const breakers = createHostBreakers(options.breaker, options.onBreakerChange);
  const userAgent = options.userAgent ?? `quire/${VERSION}`;
  const getSettings: GetSettings = {
    dispatcher,
    breakers,
    allowHosts,
    userAgent,
    headersTimeoutMs: options.headersTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
    maxRedirects: options.maxRedirects ?? 5,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
    retries: options.retries,
    backoff: retryBackoff(options.retryBaseMs ?? 200, options.retryMaxDelayMs ?? 10_000),
  };
  const postSettings: PostSettings = { dispatcher, breakers, allowHosts, userAgent };

  let closing: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closing !== undefined) throw new FetchError('network', 'the fetcher is closed', false);
  };
  return {
    assertAllowed(url) {
      checkUrl(url, allowHosts);
    },
    async fetch(url, fetchOptions) {
      assertOpen();
      return fetchWithRetries(getSettings, url, fetchOptions);
    },
    async post(url, postOptions) {
      assertOpen();
      return postOnce(postSettings, url, postOptions);
    },
    breakers: () => breakers.registry.states(),
    close() {
      closing ??= closeAgent(dispatcher);
      return closing;
    },
  };
}

/** The connection pool, every connection made through the SSRF guard. */
function createAgent(options: HttpFetcherOptions, allowHosts: AllowHosts): Agent {
  return new Agent({
    connect: createGuardedConnector({ allowHosts, connectTimeoutMs: options.connectTimeoutMs }),
    connections: options.connections ?? 16,
    headersTimeout: options.headersTimeoutMs,
    // Reading the body is bounded by the total deadline; this only catches a silent socket.
    bodyTimeout: options.totalTimeoutMs,
  });
}

/** Closes the pool once requests in flight end, or destroys it after a grace period. */
async function closeAgent(agent: Agent): Promise<void> {
  const closed = await Promise.race([
    agent.close().then(
      () => true,
      () => true,
    ),
    sleep(CLOSE_GRACE_MS, false, { ref: false }),
  ]);
  if (!closed) await agent.destroy().catch(() => undefined);
}
