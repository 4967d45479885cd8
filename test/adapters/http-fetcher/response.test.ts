/** Shaping a fetched response: headers flattened, the declared length checked, the body capped. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import type { Dispatcher } from 'undici';
import type { ClassifyContext } from '../../../src/adapters/http-fetcher/errors.js';
import {
  flatHeaders,
  headerValue,
  shapeResponse,
} from '../../../src/adapters/http-fetcher/response.js';
import { AppError } from '../../../src/errors.js';
import { FetchError } from '../../../src/ports/fetcher.js';

const url = new URL('https://example.com/file.txt');
const context: ClassifyContext = {
  signal: new AbortController().signal,
  deadline: new AbortController().signal,
  totalTimeoutMs: 1_000,
  url: url.href,
};

function answer(headers: Record<string, string | string[]>, chunks: string[]) {
  const body = Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
  const data = { statusCode: 200, headers, body } as unknown as Dispatcher.ResponseData;
  return { data, body };
}

describe('response shaping', { timeout: 5_000 }, () => {
  it('hands back status, flat headers, the final URL and the body', async () => {
    const { data } = answer({ 'content-type': 'text/plain', vary: ['a', 'b'] }, ['hel', 'lo']);
    const response = shapeResponse(data, url, 100, context);
    assert.equal(response.status, 200);
    assert.equal(response.url, url.href);
    assert.deepEqual(response.headers, { 'content-type': 'text/plain', vary: 'a, b' });
    assert.equal((await buffer(response.body)).toString(), 'hello');
  });

  it('refuses a declared length over the cap at once, closing the body unread', () => {
    const { data, body } = answer({ 'content-length': '101' }, ['x']);
    assert.throws(
      () => shapeResponse(data, url, 100, context),
      (error: unknown) =>
        error instanceof FetchError &&
        error.kind === 'too_large' &&
        !error.retryable &&
        /declares 101 bytes, more than 100/.test(error.message),
    );
    assert.equal(body.destroyed, true);
  });

  it('takes a declared length at the cap, or none, and caps what actually comes', async () => {
    const exact = answer({ 'content-length': '5' }, ['hello']);
    const ok = shapeResponse(exact.data, url, 5, context);
    assert.equal((await buffer(ok.body)).toString(), 'hello');

    const undeclared = answer({}, ['hello', ' world']);
    const capped = shapeResponse(undeclared.data, url, 8, context);
    await assert.rejects(
      buffer(capped.body),
      (error: unknown) => error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE',
    );
  });
});

describe('response headers', () => {
  it('one string per header: repeated values joined, absent ones left out', () => {
    const headers = {
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2'],
      'x-empty': undefined,
    };
    assert.equal(headerValue(headers, 'set-cookie'), 'a=1, b=2');
    assert.equal(headerValue(headers, 'content-type'), 'text/plain');
    assert.equal(headerValue(headers, 'missing'), undefined);
    assert.deepEqual(flatHeaders(headers), {
      'content-type': 'text/plain',
      'set-cookie': 'a=1, b=2',
    });
  });
});
