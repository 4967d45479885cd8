/**
 * IP addresses: dotted IPv4 quads (not after "version", "section" …) and IPv6 text with a decimal
 * digit, both confirmed by `net.isIP`.
 */
import { isIP } from 'node:net';
import { scan, type Finder } from './scan.js';

const IPV4_RE = /(?<![\w.-])(?:\d{1,3}\.){3}\d{1,3}(?![\w-]|\.\d)/g;
/** Dotted quads after these words are version or section numbers, not addresses. */
const VERSION_CONTEXT_RE =
  /(?:\b(?:version|ver\.?|release|build|firmware|v|rev(?:ision)?|update|patch|section|chapter|clause|para(?:graph)?|figure|fig\.|table|step|item)|§)[ \t]*[:#]?[ \t]*$/i;

const findIpv4: Finder = (text) =>
  scan(IPV4_RE, text, (match) => {
    const octets = match[0].split('.');
    if (octets.some((octet) => Number(octet) > 255 || (octet.length > 1 && octet.startsWith('0'))))
      return null;
    if (VERSION_CONTEXT_RE.test(text.slice(Math.max(0, match.index - 20), match.index)))
      return null;
    if (isIP(match[0]) !== 4) return null;
    return { start: match.index, end: match.index + match[0].length };
  });

// At least two colons within the first groups; at most 39 characters (the longest IPv6 text
// without a zone), optionally ending in a dotted IPv4 tail (::ffff:192.0.2.1).
const IPV6_RE =
  /(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)/g;

const findIpv6: Finder = (text) =>
  scan(IPV6_RE, text, (match) => {
    const value = match[0];
    // Require a decimal digit: "a::b" or "dead::beef" in prose are rarely addresses.
    if (!/\d/.test(value) || isIP(value) !== 6) return null;
    return { start: match.index, end: match.index + value.length };
  });

export const findIps: Finder = (text, now) => [...findIpv4(text, now), ...findIpv6(text, now)];
