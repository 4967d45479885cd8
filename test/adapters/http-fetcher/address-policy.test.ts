/** Which IP addresses the fetcher refuses, and why; parsing of IP literals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  forbiddenReason,
  ipLiteral,
  isForbiddenAddress,
  parseIp,
} from '../../../src/adapters/http-fetcher/address-policy.js';

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
