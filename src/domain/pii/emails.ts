/** Email addresses: a bounded local part, `@`, up to eight domain labels and a letter TLD. */
import { scan, type Finder } from './scan.js';

const EMAIL_RE =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/g;

export const findEmails: Finder = (text) =>
  scan(EMAIL_RE, text, (match) => {
    let value = match[0];
    let start = match.index;
    // "...see.john@x.com" style runs: the address starts after the leading dots.
    while (value.startsWith('.')) {
      value = value.slice(1);
      start++;
    }
    const at = value.indexOf('@');
    const local = value.slice(0, at);
    const domain = value.slice(at + 1);
    if (local === '' || local.endsWith('.') || local.includes('..')) return null;
    if (domain.split('.').some((label) => label.startsWith('-') || label.endsWith('-')))
      return null;
    return { start, end: match.index + match[0].length };
  });
