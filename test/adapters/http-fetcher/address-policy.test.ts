import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import {
  forbiddenReason,
  ipLiteral,
  isForbiddenAddress,
  parseIp,
} from '../../../src/adapters/http-fetcher/address-policy.js';
import { parseAllowHosts } from '../../../src/adapters/http-fetcher/allow-hosts.js';
import {
  ForbiddenAddressError,
  guardedLookup,
} from '../../../src/adapters/http-fetcher/guarded-connector.js';
import { checkUrl } from '../../../src/adapters/http-fetcher/url-policy.js';
import { FetchError } from '../../../src/ports/fetcher.js';

describe('address policy', () => {
  const forbidden: [string, RegExp][] = [
    // IPv4
    ['0.0.0.0', /unspecified/],
    ['0.255.255.255', /unspecified/],
    ['10.0.0.1', /private/],
    ['10.255.255.255', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['169.254.0.1', /link-local/],
    ['169.254.169.254', /link-local/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.0.0.8', /IETF/],
    ['192.0.2.1', /documentation/],
    ['192.88.99.1', /6to4/],
    ['192.168.0.1', /private/],
    ['192.168.255.255', /private/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.254', /reserved/],
    ['255.255.255.255', /broadcast/],
    // IPv6
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['fc00::1', /unique-local/],
    ['fd00:ec2::254', /unique-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['ff05::1:3', /multicast/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['100::1', /discard/],
    ['2001::1', /IETF/], // Teredo
    ['64:ff9b:1::1', /local-use NAT64/],
    ['::7f00:1', /IPv4-compatible/],
    ['::8.8.8.8', /IPv4-compatible/],
    ['4000::1', /reserved/],
    ['1::', /reserved/],
    // IPv4 inside IPv6: judged by the IPv4 address
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['::ffff:7f00:1', /IPv4-mapped loopback/],
    ['0:0:0:0:0:ffff:7f00:1', /IPv4-mapped loopback/],
    ['::ffff:10.0.0.1', /IPv4-mapped private/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped link-local/],
    ['::ffff:192.168.1.1', /IPv4-mapped private/],
    ['::ffff:0.0.0.0', /IPv4-mapped unspecified/],
    ['64:ff9b::127.0.0.1', /NAT64 loopback/],
    ['64:ff9b::a00:1', /NAT64 private/],
    ['2002:7f00:1::', /6to4 loopback/],
    ['2002:a9fe:a9fe::1', /6to4 link-local/],
    // not an address at all: fail closed
    ['localhost', /not an IP address/],
    ['', /not an IP address/],
    ['1.2.3', /not an IP address/],
  ];
  for (const [address, reason] of forbidden) {
    it(`refuses ${address || '(empty)'}`, () => {
      assert.match(forbiddenReason(address) ?? 'allowed', reason);
      assert.equal(isForbiddenAddress(address), true);
    });
  }

  const allowed = [
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '192.167.255.255',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ];
  for (const address of allowed) {
    it(`allows ${address}`, () => {
      assert.equal(forbiddenReason(address), undefined);
      assert.equal(isForbiddenAddress(address), false);
    });
  }

  it('parses IPv4, IPv6 and IPv6 with a dotted tail to bytes', () => {
    assert.deepEqual(parseIp('127.0.0.1'), [127, 0, 0, 1]);
    assert.deepEqual(parseIp('::1'), [...Array<number>(15).fill(0), 1]);
    assert.deepEqual(parseIp('::ffff:1.2.3.4')?.slice(10), [0xff, 0xff, 1, 2, 3, 4]);
    assert.deepEqual(
      parseIp('2001:db8::ff00:42:8329'),
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29],
    );
    assert.equal(parseIp('example.com'), undefined);
    assert.equal(parseIp('256.0.0.1'), undefined);
  });

  it('recognises IP literals as URL.hostname gives them', () => {
    assert.equal(ipLiteral('[::1]'), '::1');
    assert.equal(ipLiteral('127.0.0.1'), '127.0.0.1');
    assert.equal(ipLiteral('example.com'), undefined);
    assert.equal(ipLiteral('[example.com]'), undefined);
  });
});

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

describe('guarded lookup (every resolved address checked)', () => {
  function fakeResolver(addresses: LookupAddress[]) {
    return (
      _hostname: string,
      _options: unknown,
      callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
    ) => callback(null, addresses);
  }

  function run(addresses: LookupAddress[], all: boolean) {
    const lookup = guardedLookup(fakeResolver(addresses));
    return new Promise<{ err: Error | null; result: unknown }>((resolve) =>
      lookup('upstream.test', { all }, (err, result) => resolve({ err, result })),
    );
  }

  it('refuses a name when any address is forbidden (mixed answers too)', async () => {
    for (const addresses of [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '::1', family: 6 }],
      [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
      [{ address: '::ffff:169.254.169.254', family: 6 }],
    ]) {
      const { err } = await run(addresses, true);
      assert.ok(err instanceof ForbiddenAddressError, JSON.stringify(addresses));
      assert.match(err.message, /upstream\.test resolves to/);
    }
  });

  it('passes public answers through in the shape asked for', async () => {
    const addresses = [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ];
    assert.deepEqual((await run(addresses, true)).result, addresses);
    const one = await run(addresses, false);
    assert.equal(one.err, null);
    assert.equal(one.result, '93.184.216.34');
  });
});
