/** Payment card numbers: 13–19 digits, compact or grouped, Luhn-valid with a known issuer prefix. */
import { luhnValid, plausibleCard } from './checksums.js';
import { phoneLabelled } from './phones.js';
import { fragmentOfGroupedCode, scan, type Finder } from './scan.js';

const CARD_RE =
  /(?<![\w.,+-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\w]|[ -]\d|[.,]\d)/g;

export const findCards: Finder = (text) =>
  scan(CARD_RE, text, (match) => {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) return null;
    if (!luhnValid(digits) || !plausibleCard(digits)) return null;
    // One in ten digit strings passes Luhn: a number labelled as a phone number is one.
    if (fragmentOfGroupedCode(text, match.index) || phoneLabelled(text, match.index)) return null;
    return { start: match.index, end: match.index + match[0].length };
  });
