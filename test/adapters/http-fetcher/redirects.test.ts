import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllowHosts } from '../../../src/adapters/http-fetcher/allow-hosts.js';
import type { OutgoingRequest } from '../../../src/adapters/http-fetcher/outgoing.js';
import {
  isRedirectStatus,
  redirectTarget,
  redirectedRequest,
  type RedirectPolicy,
} from '../../../src/adapters/http-fetcher/redirects.js';
import { FetchError } from '../../../src/ports/fetcher.js';

const policy: RedirectPolicy = { maxRedirects: 3, allowHosts: parseAllowHosts([]) };
const start = new URL('https://docs.example.com/a/start');

function failsWith(kind: string, status?: number, message?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof FetchError);
    assert.equal(error.kind, kind);
    assert.equal(error.retryable, false);
    if (status !== undefined) assert.equal(error.status, status);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

describe('redirects: which answers redirect', () => {
  it('301, 302, 303, 307 and 308; nothing else', () => {
    for (const status of [301, 302, 303, 307, 308]) assert.equal(isRedirectStatus(status), true);
    for (const status of [200, 300, 304, 305, 306, 400, 500]) {
      assert.equal(isRedirectStatus(status), false, String(status));
    }
  });
});

describe('redirects: where one leads', () => {
  it('resolves a relative Location against the URL that answered', () => {
    const from = new URL('https://docs.example.com/a/b/page');
    const next = redirectTarget({ status: 302, location: '../c?x=1' }, from, start, 0, policy);
    assert.equal(next.href, 'https://docs.example.com/a/c?x=1');
    const other = redirectTarget(
      { status: 301, location: 'http://cdn.example.net/file' },
      from,
      start,
      2,
      policy,
    );
    assert.equal(other.href, 'http://cdn.example.net/file');
  });

  it('refuses one more than maxRedirects, naming where the fetch began', () => {
    const from = new URL('https://docs.example.com/elsewhere');
    assert.throws(
      () => redirectTarget({ status: 307, location: '/next' }, from, start, 3, policy),
      failsWith(
        'upstream_status',
        307,
        /more than 3 redirects from https:\/\/docs\.example\.com\/a\/start/,
      ),
    );
  });

  it('refuses a Location that is not a URL', () => {
    assert.throws(
      () => redirectTarget({ status: 302, location: 'http://[::1' }, start, start, 0, policy),
      failsWith('upstream_status', 302, /invalid redirect from/),
    );
  });

  it('checks the target like the first URL: scheme and literal address', () => {
    assert.throws(
      () =>
        redirectTarget({ status: 302, location: 'ftp://example.com/x' }, start, start, 0, policy),
      failsWith('not_allowed'),
    );
    assert.throws(
      () =>
        redirectTarget(
          { status: 302, location: 'http://169.254.169.254/latest' },
          start,
          start,
          0,
          policy,
        ),
      failsWith('not_allowed', undefined, /link-local/),
    );
    const exempt: RedirectPolicy = { ...policy, allowHosts: parseAllowHosts(['127.0.0.1:8080']) };
    const next = redirectTarget(
      { status: 302, location: 'http://127.0.0.1:8080/ok' },
      start,
      start,
      0,
      exempt,
    );
    assert.equal(next.href, 'http://127.0.0.1:8080/ok');
  });
});

describe('redirects: what the request becomes', () => {
  const post: OutgoingRequest = {
    method: 'POST',
    headers: {
      'user-agent': 'quire/test',
      authorization: 'Bearer secret',
      cookie: 'a=1',
      'proxy-authorization': 'Basic x',
      'content-type': 'application/json',
    },
    body: '{"a":1}',
  };

  it('keeps credentials within the origin, drops them when it leaves', () => {
    const same = redirectedRequest(post, 307, false);
    assert.deepEqual(same, post);
    const away = redirectedRequest(post, 307, true);
    assert.deepEqual(away.headers, {
      'user-agent': 'quire/test',
      'content-type': 'application/json',
    });
    assert.equal(away.method, 'POST');
    assert.equal(away.body, '{"a":1}');
  });

  it('303 turns anything into a GET without body or content type', () => {
    for (const request of [post, { ...post, method: 'GET' as const, body: undefined }]) {
      const next = redirectedRequest(request, 303, false);
      assert.equal(next.method, 'GET');
      assert.equal(next.body, undefined);
      assert.equal(next.headers['content-type'], undefined);
      assert.equal(next.headers.authorization, 'Bearer secret');
    }
  });

  it('301 and 302 turn a POST into a GET; 307 and 308 keep it', () => {
    for (const status of [301, 302]) {
      const next = redirectedRequest(post, status, false);
      assert.equal(next.method, 'GET', String(status));
      assert.equal(next.body, undefined);
      assert.equal(next.headers['content-type'], undefined);
    }
    for (const status of [307, 308]) {
      const next = redirectedRequest(post, status, false);
      assert.equal(next.method, 'POST', String(status));
      assert.equal(next.body, '{"a":1}');
      assert.equal(next.headers['content-type'], 'application/json');
    }
  });

  it('leaves the request it was given as it was', () => {
    const before = structuredClone(post);
    redirectedRequest(post, 303, true);
    assert.deepEqual(post, before);
  });
});
