/** What the fetcher sends: our User-Agent, and the caller's headers minus hop-by-hop ones. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outgoingHeaders } from '../../../src/adapters/http-fetcher/outgoing.js';

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
