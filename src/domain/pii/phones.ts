/**
 * Phone numbers: international (`+…`, `00…`), US and national trunk-prefixed shapes, and any other
 * digit groups only when labelled as a phone number ("phone: …", "call me at …").
 */
import { fragmentOfGroupedCode, scan, type Finder } from './scan.js';

// Groups of digits (or a parenthesised group), joined by one of space, dot, dash, ") ", " (".
// A separator is required between two digit groups, so a digit run has only one split.
const PHONE_RE =
  /(?<![\w+@./(-])(?:\+|\()?\d{1,15}(?:(?:[ .-]|\)[ .-]?|[ .-]?\()\d{1,10}){0,7}(?![\w@]|[.-]\w|\/\d|\)\w)/g;
const PHONE_LABEL_RE =
  /\b(?:phone|tel(?:ephone)?|mobile|mob|cell(?:phone)?|fax|call|whatsapp|ph|handy|telefon|contact)\.?(?:[ \t]+(?:me|us|him|her))?(?:[ \t]+(?:at|on))?(?:[ \t]*(?:no\.?|number|nr\.?|#))?[ \t]*[:#.-]?[ \t]*$/i;
const DATE_SHAPE_RE = /^(?:\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2})$/;
const DATE_PREFIX_RE = /^(?:\d{1,2}([./-])\d{1,2}\1\d{4}|\d{4}([./-])\d{1,2}\2\d{1,2})(?!\d)/;
const US_PHONE_RE = /^(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}$/;

/** Whether the text just before `start` labels what follows as a phone number ("tel.:"). */
export function phoneLabelled(text: string, start: number): boolean {
  return PHONE_LABEL_RE.test(text.slice(Math.max(0, start - 40), start));
}

/**
 * A cheap first test, so that runs of short digit groups ("1 1 1 1 …") cost no regexes: 7–17
 * digits and, when there are several groups, a last group of at least two digits.
 */
function phoneCountsFit(value: string): boolean {
  let digits = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  if (digits < 7 || digits > 17) return false;
  const last = value.charCodeAt(value.length - 1);
  const beforeLast = value.charCodeAt(value.length - 2);
  const international = value.startsWith('+');
  const groups = digits === value.length - (international ? 1 : 0) ? 1 : 2;
  // An international number may end in a one-digit extension: "+49 40 123456-0".
  const extension = international && beforeLast === 45; // '-'
  return (
    last >= 48 &&
    last <= 57 &&
    (groups === 1 || extension || (beforeLast >= 48 && beforeLast <= 57))
  );
}

/**
 * Whether a candidate is shaped like a phone number: yes, no, or only when labelled as one
 * ("phone: …", "call me at …"), which the caller checks once per candidate.
 */
function phoneShape(value: string): boolean | 'if-labelled' {
  if (DATE_SHAPE_RE.test(value) || DATE_PREFIX_RE.test(value)) return false;
  // One pass: digit group lengths, separators, parentheses only around whole groups.
  const groups: number[] = [];
  let run = 0;
  let dots = false;
  let dashes = false;
  let open = -1;
  for (let i = 0; i < value.length; i++) {
    const character = value[i];
    if (character !== undefined && character >= '0' && character <= '9') {
      run++;
      continue;
    }
    if (run > 0) groups.push(run);
    run = 0;
    if (character === '.') dots = true;
    else if (character === '-') dashes = true;
    else if (character === '(') {
      if (open !== -1) return false;
      open = groups.length;
    } else if (character === ')') {
      if (open === -1 || groups.length !== open + 1) return false;
      open = -1;
    }
  }
  if (run > 0) groups.push(run);
  if (open !== -1 || (dots && dashes)) return false;
  let digits = 0;
  for (const length of groups) digits += length;
  const first = groups[0] ?? 0;
  /** Every group from `from` on has at least two digits. */
  const longFrom = (from: number, skipLast = 0): boolean => {
    for (let i = from; i < groups.length - skipLast; i++) if ((groups[i] ?? 0) < 2) return false;
    return true;
  };
  if (value.startsWith('+')) {
    if (digits < 8 || digits > 15) return false;
    if (groups.length === 1) return digits >= 10;
    // After the country code one short group may follow ("+33 1 …", "+44 (0)20 …").
    const extension = value[value.length - 2] === '-' && (groups[groups.length - 1] ?? 0) === 1;
    const counted = groups.length - (extension ? 1 : 0);
    return first <= 3 && counted <= 7 && longFrom(2, extension ? 1 : 0);
  }
  // Three-two-four with dashes is the SSN layout, valid or not.
  if (/^\d{3}-\d{2}-\d{4}$/.test(value)) return false;
  if (digits <= 11 && US_PHONE_RE.test(value)) return true;
  // "00" + country code spells out the "+" (and may reach 17 digits).
  if (value.startsWith('00') && first >= 3 && first <= 5 && value[2] !== '0') {
    return groups.length >= 3 && digits >= 10 && digits <= 17 && longFrom(1);
  }
  if (digits > 15) return false;
  // National numbers with a trunk prefix: "020 7946 0958", "(030) 1234567", "06 12 34 56 78".
  if (/^\(?0[1-9]\d{0,4}\)?(?:[ .-]|$)/.test(value) && groups.length >= 2) {
    return groups.length <= 6 && digits >= 9 && digits <= 12 && longFrom(1);
  }
  // Anything else only right after "phone", "tel.", "call me at" …
  return (groups.length === 1 || longFrom(0)) && 'if-labelled';
}

export const findPhones: Finder = (text) =>
  scan(PHONE_RE, text, (match) => {
    const start = match.index;
    let value = match[0];
    let labelled: boolean | undefined;
    if (!value.startsWith('+') && fragmentOfGroupedCode(text, start)) return null;
    // A short count after a space may be something else ("… 4567 2 times"): drop trailing
    // space-separated groups of one or two digits until the shape fits. Never a longer group:
    // the front of a longer number ("0123 4567 8901 2345") is not a phone number.
    for (;;) {
      const shape = phoneCountsFit(value) && phoneShape(value);
      if (shape === 'if-labelled') labelled ??= phoneLabelled(text, start);
      if (shape === true || (shape === 'if-labelled' && labelled === true))
        return { start, end: start + value.length };
      const cut = value.lastIndexOf(' ');
      if (cut <= 0 || value.length - cut - 1 > 2) return null;
      value = value.slice(0, cut);
    }
  });
