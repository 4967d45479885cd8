/** Why a webhook POST got no answer: our own deadline is the receiver's timeout. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbortedFetchError,
  type ClassifyContext,
} from '../../../src/adapters/http-fetcher/errors.js';
import { postFailure } from '../../../src/adapters/http-fetcher/post.js';
import { FetchError } from '../../../src/ports/fetcher.js';

function contextFor(caller?: AbortController): ClassifyContext {
  const deadline = new AbortController();
  deadline.abort(new Error('deadline'));
  return {
    signal:
      caller === undefined ? deadline.signal : AbortSignal.any([caller.signal, deadline.signal]),
    deadline: deadline.signal,
    totalTimeoutMs: 250,
    url: 'https://hooks.example.com/in',
  };
}

describe('webhook POST failures', () => {
  it('past our deadline: a timeout of the receiver (it counts against the host)', () => {
    const error = postFailure(new Error('aborted'), contextFor(), { timeoutMs: 250 });
    assert.ok(!(error instanceof AbortedFetchError));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.retryable, true);
    assert.match(error.message, /no answer from https:\/\/hooks\.example\.com\/in within 250 ms/);
  });

  it("the caller's abort stays an abort (it counts for nothing)", () => {
    const caller = new AbortController();
    caller.abort();
    const error = postFailure(new Error('aborted'), contextFor(caller), {
      timeoutMs: 250,
      signal: caller.signal,
    });
    assert.ok(error instanceof AbortedFetchError);
  });

  it('any other failure is classified as for a fetch', () => {
    const context: ClassifyContext = {
      signal: new AbortController().signal,
      deadline: new AbortController().signal,
      totalTimeoutMs: 250,
      url: 'https://hooks.example.com/in',
    };
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = postFailure(refused, context, { timeoutMs: 250 });
    assert.equal(error.kind, 'network');
    const notAllowed = new FetchError('not_allowed', 'no', false);
    assert.equal(postFailure(notAllowed, context, { timeoutMs: 250 }), notAllowed);
  });
});
