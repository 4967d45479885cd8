/** The URL check made before any DNS lookup or connection: schemes, literals, allowHosts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllowHosts } from '../../../src/adapters/http-fetcher/allow-hosts.js';
import { checkUrl } from '../../../src/adapters/http-fetcher/url-policy.js';
import { FetchError } from '../../../src/ports/fetcher.js';

describe('URL policy (no DNS, no connection)', () => {
  const none = parseAllowHosts([]);
  const refused = [
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'https://100.64.0.1/',
    'http://%31%32%37.0.0.1/',
    'file:///etc/passwd',
    'gopher://x',
    'ftp://x',
    'data:text/plain,hello',
    'javascript:alert(1)',
    'ws://example.com/',
    'http://user:secret@example.com/',
    'not a url',
    '/relative/path',
  ];
  for (const url of refused) {
    it(`refuses ${url}`, () => {
      assert.throws(
        () => checkUrl(url, none),
        (err: unknown) =>
          err instanceof FetchError && err.kind === 'not_allowed' && err.retryable === false,
      );
    });
  }

  it('allows public names and addresses', () => {
    assert.equal(checkUrl('https://example.com/a?b=c', none).href, 'https://example.com/a?b=c');
    assert.equal(checkUrl('http://93.184.216.34:8080/', none).port, '8080');
    assert.equal(
      checkUrl('http://[2606:4700:4700::1111]/', none).hostname,
      '[2606:4700:4700::1111]',
    );
    // Names are judged at connect time, not here: localhost passes the literal check.
    assert.equal(checkUrl('http://localhost/', none).hostname, 'localhost');
  });

  it('exempts allowHosts entries by host:port or by host', () => {
    const allow = parseAllowHosts(['127.0.0.1:4567', '[::1]', 'Internal.Example.']);
    assert.equal(checkUrl('http://127.0.0.1:4567/', allow).port, '4567');
    assert.throws(() => checkUrl('http://127.0.0.1:4568/', allow), FetchError);
    assert.throws(() => checkUrl('http://127.0.0.1/', allow), FetchError);
    assert.equal(checkUrl('http://[::1]:9999/', allow).hostname, '[::1]');
    assert.equal(allow.exempts('::1', 80), true);
    assert.equal(allow.exempts('internal.example', 443), true);
    assert.equal(allow.exempts('127.0.0.1', 4567), true);
    assert.equal(allow.exempts('127.0.0.1', 80), false);
    // the default port counts as the port
    assert.equal(parseAllowHosts(['127.0.0.1:80']).exempts('127.0.0.1', 80), true);
    assert.throws(() => parseAllowHosts(['http://x/']), /not host or host:port/);
  });
});
