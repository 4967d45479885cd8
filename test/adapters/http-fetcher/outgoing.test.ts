/** Header shaping both ways: what the fetcher sends, and what it hands back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outgoingHeaders } from '../../../src/adapters/http-fetcher/outgoing.js';
import { flatHeaders, headerValue } from '../../../src/adapters/http-fetcher/response.js';

describe('outgoing headers', () => {
  it('our User-Agent unless the caller sends one; names lower-cased', () => {
    assert.deepEqual(outgoingHeaders('quire/1', { Accept: 'text/html' }), {
      'user-agent': 'quire/1',
      accept: 'text/html',
    });
    assert.deepEqual(outgoingHeaders('quire/1', { 'User-Agent': 'mine/2' }), {
      'user-agent': 'mine/2',
    });
  });

  it('drops what the HTTP client sets itself or that means nothing to forward', () => {
    const dropped = [
      'Host',
      'Connection',
      'keep-alive',
      'proxy-connection',
      'Transfer-Encoding',
      'Content-Length',
      'te',
      'trailer',
      'upgrade',
      'Expect',
    ];
    const caller = Object.fromEntries(dropped.map((name) => [name, 'x']));
    assert.deepEqual(outgoingHeaders('quire/1', { ...caller, 'X-Kept': 'yes' }), {
      'user-agent': 'quire/1',
      'x-kept': 'yes',
    });
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
