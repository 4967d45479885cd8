/** US Social Security numbers: `123-45-6789` or `123 45 6789`, or nine bare digits when labelled. */
import { ssnValid } from './checksums.js';
import { scan, type Finder } from './scan.js';

const SSN_RE = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|[ ]\d)/g;
const SSN_COMPACT_RE = /(?<![\w-])(\d{3})(\d{2})(\d{4})(?![\w-])/g;
const SSN_LABEL_RE =
  /(?:\bSSN|\bSS#|social[ \t]+security(?:[ \t]+(?:number|no\.?|#))?)[ \t]*[:#]?[ \t]*$/i;

export const findSsns: Finder = (text) => [
  ...scan(SSN_RE, text, (match) =>
    ssnValid(match[1] ?? '', match[3] ?? '', match[4] ?? '')
      ? { start: match.index, end: match.index + match[0].length }
      : null,
  ),
  // Nine bare digits are an SSN only when labelled as one.
  ...scan(SSN_COMPACT_RE, text, (match) =>
    ssnValid(match[1] ?? '', match[2] ?? '', match[3] ?? '') &&
    SSN_LABEL_RE.test(text.slice(Math.max(0, match.index - 30), match.index))
      ? { start: match.index, end: match.index + match[0].length }
      : null,
  ),
];
