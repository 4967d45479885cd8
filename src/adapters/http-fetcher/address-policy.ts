/**
 * Which IP addresses outbound HTTP may connect to. Everything that is not public unicast is
 * refused: loopback, private, link-local (cloud metadata), CGNAT, multicast, unspecified,
 * broadcast, reserved, documentation and benchmarking ranges, IPv6 unique-local, and every
 * IPv6 form that embeds an IPv4 address (IPv4-mapped, NAT64, 6to4) is judged by the IPv4
 * address inside it. Pure functions, no DNS: callers resolve, then ask.
 */
import { isIP } from 'node:net';

interface Range {
  bytes: readonly number[];
  prefix: number;
  reason: string;
}

function range(cidr: string, reason: string): Range {
  const [address = '', prefix = ''] = cidr.split('/');
  const bytes = parseIp(address);
  if (bytes === undefined) throw new Error(`bad CIDR ${cidr}`);
  return { bytes, prefix: Number(prefix), reason };
}

/** Checked in order: the first match names the reason. */
const IPV4_FORBIDDEN: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignment'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

/** IPv6 forms that carry an IPv4 address, and where it sits: judged by the address they reach. */
const IPV6_EMBEDDING_IPV4: readonly (readonly [Range, number])[] = [
  [range('::ffff:0:0/96', 'IPv4-mapped'), 12],
  [range('64:ff9b::/96', 'NAT64'), 12],
  [range('2002::/16', '6to4'), 2],
];

/** Checked after the forms that embed IPv4. */
const IPV6_FORBIDDEN: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'IPv4-compatible (deprecated)'),
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard-only'),
  range('2001::/23', 'IETF protocol assignment'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local (deprecated)'),
  range('ff00::/8', 'multicast'),
];

/** Global unicast: any IPv6 address outside it is refused as reserved. */
const IPV6_GLOBAL_UNICAST = range('2000::/3', 'global unicast');

function inRange(address: readonly number[], candidate: Range): boolean {
  if (address.length !== candidate.bytes.length) return false;
  let bits = candidate.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((address[i] ?? 0) & mask) !== ((candidate.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function parseIpv4(text: string): number[] | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').map(Number);
}

function parseIpv6(text: string): number[] | undefined {
  const address = text.split('%')[0] ?? ''; // a zone id (fe80::1%eth0) does not change the range
  if (isIP(address) !== 6) return undefined;
  let groups = address;
  const tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    const v4 = parseIpv4(address.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail.push(...v4);
    groups = `${address.slice(0, lastColon + 1)}0:0`; // placeholder groups, replaced below
  }
  const [head = '', rest] = groups.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const all = [
    ...headGroups,
    ...Array<string>(rest === undefined ? 0 : missing).fill('0'),
    ...restGroups,
  ];
  if (all.length !== 8) return undefined;
  const bytes = all.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The address as 4 or 16 bytes, or undefined when it is not an IP address. */
export function parseIp(text: string): number[] | undefined {
  return parseIpv4(text) ?? parseIpv6(text);
}

/** `[::1]` (as URL.hostname gives IPv6) → `::1`; an IPv4 literal as is; a name → undefined. */
export function ipLiteral(hostname: string): string | undefined {
  const bare =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}

function ipv4Reason(bytes: readonly number[]): string | undefined {
  return IPV4_FORBIDDEN.find((candidate) => inRange(bytes, candidate))?.reason;
}

function ipv6Reason(bytes: readonly number[]): string | undefined {
  for (const [form, offset] of IPV6_EMBEDDING_IPV4) {
    if (!inRange(bytes, form)) continue;
    const reason = ipv4Reason(bytes.slice(offset, offset + 4));
    return reason === undefined ? undefined : `${form.reason} ${reason}`;
  }
  const listed = IPV6_FORBIDDEN.find((candidate) => inRange(bytes, candidate));
  if (listed !== undefined) return listed.reason;
  return inRange(bytes, IPV6_GLOBAL_UNICAST) ? undefined : 'reserved';
}

/**
 * Why outbound HTTP must not connect to `address` (e.g. `loopback`, `IPv4-mapped private`),
 * or undefined when it is a public unicast address. Anything that is not an IP address is
 * refused too (fail closed).
 */
export function forbiddenReason(address: string): string | undefined {
  const bytes = parseIp(address);
  if (bytes === undefined) return 'not an IP address';
  return bytes.length === 4 ? ipv4Reason(bytes) : ipv6Reason(bytes);
}

export function isForbiddenAddress(address: string): boolean {
  return forbiddenReason(address) !== undefined;
}
