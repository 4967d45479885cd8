/**
 * Which failures count against a host (per tenant), and an open circuit failing without running
 * the work.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbortedFetchError,
  UpstreamStatusError,
} from '../../../src/adapters/http-fetcher/errors.js';
import {
  createHostBreakers,
  hostKey,
  isHostFailure,
  throughBreaker,
} from '../../../src/adapters/http-fetcher/host-breaker.js';
import { FetchError, type BreakerState } from '../../../src/ports/fetcher.js';

describe('host breakers', { timeout: 5_000 }, () => {
  it('one breaker per host and effective port', () => {
    assert.equal(hostKey(new URL('https://example.com/a')), 'example.com:443');
    assert.equal(hostKey(new URL('http://example.com/a')), 'example.com:80');
    assert.equal(hostKey(new URL('http://example.com:8080/a')), 'example.com:8080');
  });

  it('retries network failures, timeouts, 5xx and 429; not 4xx, aborts, open circuits or other errors', () => {
    assert.equal(isHostFailure(new FetchError('network', 'reset', true)), true);
    assert.equal(isHostFailure(new FetchError('timeout', 'slow', true)), true);
    assert.equal(isHostFailure(new UpstreamStatusError(503, 'u')), true);
    assert.equal(isHostFailure(new UpstreamStatusError(429, 'u')), true);
    assert.equal(isHostFailure(new UpstreamStatusError(404, 'u')), false);
    assert.equal(isHostFailure(new FetchError('network', 'bad certificate', false)), false);
    assert.equal(isHostFailure(new AbortedFetchError('deadline', undefined)), false);
    assert.equal(isHostFailure(new FetchError('circuit_open', 'open', true)), false);
    assert.equal(isHostFailure(new Error('plain')), false);
  });

  it('opens after consecutive host failures; then fails with circuit_open without running the work', async () => {
    const changes: [string, BreakerState][] = [];
    const breakers = createHostBreakers(
      // One path is enough here: every 5xx counts.
      { consecutiveFailures: 2, halfOpenAfterMs: 60_000, distinctFailingPaths: 1 },
      (host, state) => changes.push([host, state]),
    );
    const url = new URL('https://down.example.com/x');
    const signal = new AbortController().signal;
    let runs = 0;
    const failing = async (): Promise<never> => {
      runs++;
      throw new UpstreamStatusError(500, url.href);
    };
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        throughBreaker(breakers, 'acme', url, failing, signal),
        UpstreamStatusError,
      );
    }
    await assert.rejects(
      throughBreaker(breakers, 'acme', url, failing, signal),
      (error: unknown) =>
        error instanceof FetchError &&
        error.kind === 'circuit_open' &&
        error.retryable &&
        /circuit open for down\.example\.com:443/.test(error.message),
    );
    assert.equal(runs, 2);
    assert.deepEqual(changes, [['down.example.com:443', 'open']]);
    assert.deepEqual(breakers.registry.states(), { 'down.example.com:443': 'open' });

    // Another host has its own breaker, and so has another tenant on the same host.
    const other = new URL('https://up.example.com/');
    assert.equal(await throughBreaker(breakers, 'acme', other, async () => 'ok', signal), 'ok');
    assert.equal(await throughBreaker(breakers, 'globex', url, async () => 'ok', signal), 'ok');
    assert.deepEqual(breakers.registry.states(), {
      'down.example.com:443': 'open',
      'up.example.com:443': 'closed',
    });
  });

  it('a 4xx answer does not open it', async () => {
    const breakers = createHostBreakers({ consecutiveFailures: 1, halfOpenAfterMs: 60_000 });
    const url = new URL('https://example.com/');
    const signal = new AbortController().signal;
    const notFound = async (): Promise<never> => {
      throw new UpstreamStatusError(404, url.href);
    };
    await assert.rejects(
      throughBreaker(breakers, 'acme', url, notFound, signal),
      UpstreamStatusError,
    );
    await assert.rejects(
      throughBreaker(breakers, 'acme', url, notFound, signal),
      UpstreamStatusError,
    );
    assert.deepEqual(breakers.registry.states(), { 'example.com:443': 'closed' });
  });

  it('5xx from one path never opens it; from several distinct paths it does', async () => {
    const breakers = createHostBreakers({
      consecutiveFailures: 2,
      halfOpenAfterMs: 60_000,
      distinctFailingPaths: 3,
    });
    const signal = new AbortController().signal;
    const failingAt = (path: string) => {
      const url = new URL(`https://example.com${path}`);
      return throughBreaker(
        breakers,
        'acme',
        url,
        async (): Promise<never> => {
          throw new UpstreamStatusError(500, url.href);
        },
        signal,
      );
    };
    for (let i = 0; i < 10; i++) await assert.rejects(failingAt('/always500'), UpstreamStatusError);
    assert.deepEqual(breakers.registry.states(), { 'example.com:443': 'closed' });
    await assert.rejects(failingAt('/b'), UpstreamStatusError);
    await assert.rejects(failingAt('/c'), UpstreamStatusError); // third path: counts (1)
    await assert.rejects(failingAt('/always500'), UpstreamStatusError); // counts (2): opens
    assert.deepEqual(breakers.registry.states(), { 'example.com:443': 'open' });
  });

  it('network failures and timeouts count from one path', async () => {
    const breakers = createHostBreakers({ consecutiveFailures: 2, halfOpenAfterMs: 60_000 });
    const url = new URL('https://example.com/one');
    const signal = new AbortController().signal;
    const reset = async (): Promise<never> => {
      throw new FetchError('network', 'reset', true);
    };
    await assert.rejects(throughBreaker(breakers, 'acme', url, reset, signal), FetchError);
    await assert.rejects(throughBreaker(breakers, 'acme', url, reset, signal), FetchError);
    assert.deepEqual(breakers.registry.states(), { 'example.com:443': 'open' });
  });
});
