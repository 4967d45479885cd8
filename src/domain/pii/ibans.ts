/** IBANs, compact or in groups of four: a known country, its exact length and a valid mod-97. */
import { IBAN_LENGTHS, ibanValid } from './checksums.js';
import { scan, type Finder } from './scan.js';

const IBAN_RE =
  /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{10,30}|(?: [A-Z0-9]{4}){2,8}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])/g;

export const findIbans: Finder = (text) =>
  scan(IBAN_RE, text, (match) => {
    const value = match[0];
    const expected = IBAN_LENGTHS[value.slice(0, 2)];
    if (expected === undefined) return null;
    if (!value.includes(' ')) {
      return ibanValid(value) ? { start: match.index, end: match.index + value.length } : null;
    }
    // Grouped: the IBAN may be followed by another word in capitals ("… 7034 CASH"): take
    // groups until the country's length is reached exactly.
    let compact = '';
    let end = 0;
    for (const group of value.split(' ')) {
      compact += group;
      end += (end === 0 ? 0 : 1) + group.length;
      if (compact.length >= expected) break;
    }
    if (compact.length !== expected || !ibanValid(compact)) return null;
    return { start: match.index, end: match.index + end };
  });
