/** What one hop's answer means: final, a redirect to follow, or a status failure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dispatcher } from 'undici';
import { UpstreamStatusError } from '../../../src/adapters/http-fetcher/errors.js';
import { hopOf } from '../../../src/adapters/http-fetcher/send.js';

const url = new URL('https://example.com/page');

function answer(statusCode: number, headers: Record<string, string> = {}) {
  const drained: unknown[] = [];
  const body = {
    dump: async (options: unknown) => {
      drained.push(options);
    },
  };
  const data = { statusCode, headers, body } as unknown as Dispatcher.ResponseData;
  return { data, drained };
}

describe('one hop: what an answer means', () => {
  it('2xx is final, its body left for the caller', () => {
    for (const status of [200, 204, 299]) {
      const { data, drained } = answer(status);
      assert.deepEqual(hopOf(data, url, 30_000), { kind: 'final', data });
      assert.deepEqual(drained, []);
    }
  });

  it('a redirect status with a Location is a redirect; its body is discarded', () => {
    const { data, drained } = answer(308, { location: '/elsewhere' });
    assert.deepEqual(hopOf(data, url, 30_000), {
      kind: 'redirect',
      status: 308,
      location: '/elsewhere',
    });
    assert.equal(drained.length, 1);
  });

  it('a redirect without Location, or a 4xx, is a status failure the host is not blamed for', () => {
    for (const [status, headers] of [
      [302, {}],
      [404, {}],
      [304, { location: '/x' }],
    ] as const) {
      const { data, drained } = answer(status, headers);
      const hop = hopOf(data, url, 30_000);
      assert.equal(hop.kind, 'status', String(status));
      assert.ok(hop.kind === 'status' && hop.error.status === status && !hop.error.retryable);
      assert.equal(drained.length, 1);
    }
  });

  it('5xx and 429 are thrown (they count against the host), with Retry-After on 429 and 503', () => {
    const thrown = (status: number, headers: Record<string, string>): UpstreamStatusError => {
      try {
        hopOf(answer(status, headers).data, url, 30_000);
      } catch (error) {
        assert.ok(error instanceof UpstreamStatusError);
        return error;
      }
      assert.fail(`${status} was not thrown`);
    };
    assert.equal(thrown(503, { 'retry-after': '2' }).retryAfterMs, 2_000);
    assert.equal(thrown(429, { 'retry-after': '120' }).retryAfterMs, 30_000, 'capped');
    assert.equal(thrown(500, { 'retry-after': '2' }).retryAfterMs, undefined);
    assert.equal(thrown(502, {}).retryable, true);
  });
});
