/**
 * PII detection and redaction over plain text, with no Fastify imports so the same code serves
 * the HTTP routes, `?redact=pii` on document content and offline evaluation (scripts/pii-eval.ts).
 *
 * Each type has a candidate regex and a validator. The regexes are written to run in linear time
 * on any input: every one starts with a lookbehind that refuses to start inside a run of the
 * characters it consumes (so a long run is attempted once, not once per position), repetitions
 * are bounded, and no two adjacent quantified parts can match the same characters (no ambiguous
 * splits to backtrack through). Validators then apply what a regex should not: Luhn and IIN
 * prefixes for cards, mod-97 and per-country lengths for IBANs, octet ranges and `net.isIP`,
 * the SSA's invalid SSN ranges, real calendar dates, and phone-number shapes.
 *
 * Offsets (`start`, `end`) are UTF-16 code unit offsets into the input, as JavaScript string
 * indices are; `end` is exclusive, so `text.slice(start, end)` is the entity.
 */
import { isIP } from 'node:net';

export const PII_TYPES = [
  'email',
  'phone',
  'credit_card',
  'iban',
  'ip_address',
  'us_ssn',
  'date_of_birth',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

export interface PiiEntity {
  type: PiiType;
  /** UTF-16 code unit offset of the first character. */
  start: number;
  /** UTF-16 code unit offset just past the last character. */
  end: number;
  text: string;
}

export type RedactionStyle = 'mask' | 'label';

export interface Redaction {
  text: string;
  count: number;
}

/** What `label` redaction writes instead of an entity. */
export const PII_LABELS: Record<PiiType, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  credit_card: '[CREDIT_CARD]',
  iban: '[IBAN]',
  ip_address: '[IP_ADDRESS]',
  us_ssn: '[US_SSN]',
  date_of_birth: '[DATE_OF_BIRTH]',
};

/**
 * When candidates of different types overlap, the more specific type wins (checksummed and
 * structurally distinctive types before the heuristic phone shapes); within a type, the longer.
 */
const PRIORITY: Record<PiiType, number> = {
  email: 0,
  iban: 1,
  credit_card: 2,
  us_ssn: 3,
  date_of_birth: 4,
  ip_address: 5,
  phone: 6,
};

interface Span {
  start: number;
  end: number;
}

// ---------------------------------------------------------------------------------------------
// Checksums and tables
// ---------------------------------------------------------------------------------------------

/** Luhn (mod 10) over a string of decimal digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Card networks by issuer identification number (IIN) prefix and length. A Luhn-valid number
 * outside these ranges (order numbers, ISBN-13s, account numbers) is not reported.
 */
function plausibleCard(digits: string): boolean {
  const length = digits.length;
  const prefix2 = Number(digits.slice(0, 2));
  const prefix3 = Number(digits.slice(0, 3));
  const prefix4 = Number(digits.slice(0, 4));
  const prefix6 = Number(digits.slice(0, 6));
  // Visa
  if (digits.startsWith('4')) return length === 13 || length === 16 || length === 19;
  // Mastercard (51–55, 2221–2720) and Mir (2200–2204)
  if (prefix2 >= 51 && prefix2 <= 55) return length === 16;
  if (prefix4 >= 2221 && prefix4 <= 2720) return length === 16;
  if (prefix4 >= 2200 && prefix4 <= 2204) return length >= 16 && length <= 19;
  // American Express
  if (prefix2 === 34 || prefix2 === 37) return length === 15;
  // Diners Club (300–305, 36, 38, 39)
  if ((prefix3 >= 300 && prefix3 <= 305) || prefix2 === 36 || prefix2 === 38 || prefix2 === 39)
    return length >= 14 && length <= 19;
  // JCB (3528–3589)
  if (prefix4 >= 3528 && prefix4 <= 3589) return length >= 16 && length <= 19;
  // Discover (6011, 644–649, 65, 622126–622925), UnionPay (62, 81)
  if (prefix4 === 6011 || (prefix3 >= 644 && prefix3 <= 649) || prefix2 === 65)
    return length >= 16 && length <= 19;
  if (prefix6 >= 622126 && prefix6 <= 622925) return length >= 16 && length <= 19;
  if (prefix2 === 62 || prefix2 === 81) return length >= 16 && length <= 19;
  // Maestro
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(prefix4))
    return length >= 13 && length <= 19;
  return false;
}

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
  BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
  ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25,
  QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27,
  SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}; // prettier-ignore

/** ISO 13616 check: move the first four characters to the end, letters to 10–35, mod 97 = 1. */
export function ibanChecksumValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/**
 * A complete IBAN (no spaces): known country, that country's length, check digits 02–98 (ISO
 * 13616 never issues 00, 01 or 99, though they can satisfy the mod-97 test) and mod-97 = 1.
 */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  const check = Number(iban.slice(2, 4));
  return (
    length !== undefined &&
    iban.length === length &&
    check >= 2 &&
    check <= 98 &&
    ibanChecksumValid(iban)
  );
}

/** The SSA never issues these: area 000, 666, 900–999; group 00; serial 0000; two ad numbers. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  if (group === '00' || serial === '0000') return false;
  const whole = `${area}${group}${serial}`;
  return whole !== '078051120' && whole !== '219099999';
}

// ---------------------------------------------------------------------------------------------
// Detectors: a linear-time candidate regex and a validator per type
// ---------------------------------------------------------------------------------------------

/** Finds one type's spans; `now` (ms) is what a date of birth must lie before. */
type Finder = (text: string, now: number) => Span[];

function scan(regex: RegExp, text: string, accept: (match: RegExpExecArray) => Span | null) {
  const spans: Span[] = [];
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const span = accept(match);
    if (span !== null) spans.push(span);
    if (match[0].length === 0) regex.lastIndex++;
  }
  return spans;
}

const EMAIL_RE =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/g;

const findEmails: Finder = (text) =>
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

// Groups of digits (or a parenthesised group), joined by one of space, dot, dash, ") ", " (".
// A separator is required between two digit groups, so a digit run has only one split.
const PHONE_RE =
  /(?<![\w+@./(-])(?:\+|\()?\d{1,15}(?:(?:[ .-]|\)[ .-]?|[ .-]?\()\d{1,10}){0,7}(?![\w@]|[.-]\w|\/\d|\)\w)/g;
const PHONE_LABEL_RE =
  /\b(?:phone|tel(?:ephone)?|mobile|mob|cell(?:phone)?|fax|call|whatsapp|ph|handy|telefon|contact)\.?(?:[ \t]+(?:me|us|him|her))?(?:[ \t]+(?:at|on))?(?:[ \t]*(?:no\.?|number|nr\.?|#))?[ \t]*[:#.-]?[ \t]*$/i;
const DATE_SHAPE_RE = /^(?:\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2})$/;
const DATE_PREFIX_RE = /^(?:\d{1,2}([./-])\d{1,2}\1\d{4}|\d{4}([./-])\d{1,2}\2\d{1,2})(?!\d)/;
const US_PHONE_RE = /^(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}$/;

function phoneLabelled(text: string, start: number): boolean {
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
 * A 4-character block with a digit right before a candidate (`"90M7 0547 2885"`) makes the
 * candidate the tail of a longer grouped code (an IBAN with a bad checksum, a serial number).
 */
function fragmentOfGroupedCode(text: string, start: number): boolean {
  if (start < 5 || text[start - 1] !== ' ') return false;
  const block = text.slice(start - 5, start - 1);
  const before = text[start - 6];
  return (
    /^[A-Z0-9]{4}$/.test(block) &&
    /\d/.test(block) &&
    (before === undefined || !/[A-Za-z0-9]/.test(before))
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

const findPhones: Finder = (text) =>
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

const CARD_RE =
  /(?<![\w.,+-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\w]|[ -]\d|[.,]\d)/g;

const findCards: Finder = (text) =>
  scan(CARD_RE, text, (match) => {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) return null;
    if (!luhnValid(digits) || !plausibleCard(digits)) return null;
    // One in ten digit strings passes Luhn: a number labelled as a phone number is one.
    if (fragmentOfGroupedCode(text, match.index) || phoneLabelled(text, match.index)) return null;
    return { start: match.index, end: match.index + match[0].length };
  });

const IBAN_RE =
  /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{10,30}|(?: [A-Z0-9]{4}){2,8}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])/g;

const findIbans: Finder = (text) =>
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

const findIps: Finder = (text, now) => [...findIpv4(text, now), ...findIpv6(text, now)];

const SSN_RE = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|[ ]\d)/g;
const SSN_COMPACT_RE = /(?<![\w-])(\d{3})(\d{2})(\d{4})(?![\w-])/g;
const SSN_LABEL_RE =
  /(?:\bSSN|\bSS#|social[ \t]+security(?:[ \t]+(?:number|no\.?|#))?)[ \t]*[:#]?[ \t]*$/i;

const findSsns: Finder = (text) => [
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

const MONTH_NAMES: Record<string, number> = {
  jan: 1, january: 1, januar: 1, feb: 2, february: 2, februar: 2, mar: 3, march: 3, märz: 3,
  maerz: 3, apr: 4, april: 4, may: 5, mai: 5, jun: 6, june: 6, juni: 6, jul: 7, july: 7,
  juli: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, okt: 10,
  oktober: 10, nov: 11, november: 11, dec: 12, december: 12, dez: 12, dezember: 12,
}; // prettier-ignore
const MONTH =
  '(?:january|february|march|april|may|june|july|august|september|october|november|december|januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|okt|nov|dec|dez)';
const ORDINAL = '(?:st|nd|rd|th)?';
const DOB_RE = new RegExp(
  // The label …
  '(?<![\\p{L}\\d])(?:d\\.?[ \\t]?o\\.?[ \\t]?b\\.?|date[ \\t]+of[ \\t]+birth|birth[ \\t]?date|birthday|born(?:[ \\t]+on)?|geburtsdatum|geb\\.|geboren(?:[ \\t]+am)?)' +
    '(?![\\p{L}\\d])(?:[ \\t]{0,3}\\((?:dob|d\\.o\\.b\\.?)\\))?[ \\t]{0,3}(?:is[ \\t]{1,3})?[:=\\-–]?[ \\t]{0,3}' +
    // … then the date, which is the entity.
    '(?<date>' +
    '\\d{4}([-/.])\\d{1,2}\\2\\d{1,2}' +
    '|\\d{1,2}([-/.])\\d{1,2}\\3(?:\\d{4}|\\d{2})' +
    `|\\d{1,2}${ORDINAL}\\.?[ \\t]{0,2}(?:of[ \\t]{1,2})?${MONTH}\\.?,?[ \\t]{1,2}\\d{4}` +
    `|\\d{1,2}-${MONTH}-(?:\\d{4}|\\d{2})` +
    `|${MONTH}\\.?[ \\t]{1,2}\\d{1,2}${ORDINAL},?[ \\t]{1,2}\\d{4}` +
    ')(?![\\p{L}\\d]|[-/.]\\d)',
  'giud',
);

function validDate(year: number, month: number, day: number, now: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > days) return false;
  return year >= 1900 && Date.UTC(year, month - 1, day) <= now;
}

function fullYear(year: string, now: number): number {
  if (year.length === 4) return Number(year);
  const short = Number(year);
  // Two-digit years: a birth date lies in the past.
  const century = short > new Date(now).getUTCFullYear() % 100 ? 1900 : 2000;
  return century + short;
}

/** Whether a matched date string is a real date in the past (either D/M/Y or M/D/Y order). */
export function plausibleBirthDate(value: string, now: number): boolean {
  const lower = value.toLowerCase();
  let match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(lower);
  if (match !== null) return validDate(Number(match[1]), Number(match[2]), Number(match[3]), now);
  match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})$/.exec(lower);
  if (match !== null) {
    const year = fullYear(match[3] ?? '', now);
    const a = Number(match[1]);
    const b = Number(match[2]);
    return validDate(year, b, a, now) || validDate(year, a, b, now);
  }
  const words = lower.match(/\p{L}+|\d+/gu) ?? [];
  const numbers = words.filter((word) => /^\d+$/.test(word));
  const monthWord = words.find((word) => MONTH_NAMES[word] !== undefined);
  if (monthWord === undefined || numbers.length !== 2) return false;
  const [first = '', second = ''] = numbers;
  const yearText = first.length >= 3 ? first : second;
  const dayText = first.length >= 3 ? second : first;
  const year = yearText.length === 2 ? fullYear(yearText, now) : Number(yearText);
  return validDate(year, MONTH_NAMES[monthWord] ?? 0, Number(dayText), now);
}

const findBirthDates: Finder = (text, now) =>
  scan(DOB_RE, text, (match) => {
    const span = match.indices?.groups?.date;
    const value = match.groups?.date;
    if (span === undefined || value === undefined || !plausibleBirthDate(value, now)) return null;
    return { start: span[0], end: span[1] };
  });

const FINDERS: Record<PiiType, Finder> = {
  email: findEmails,
  phone: findPhones,
  credit_card: findCards,
  iban: findIbans,
  ip_address: findIps,
  us_ssn: findSsns,
  date_of_birth: findBirthDates,
};

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

/**
 * The PII entities in `text` (all types, or only `types`), sorted by start and never
 * overlapping: of overlapping candidates the more specific type wins, then the longer one.
 */
export function detectPii(
  text: string,
  types: readonly PiiType[],
  /** The current time (ms): a date of birth lies before it. */
  now: number,
): PiiEntity[] {
  const candidates: PiiEntity[] = [];
  for (const type of new Set(types)) {
    for (const span of FINDERS[type](text, now)) {
      candidates.push({ type, ...span, text: text.slice(span.start, span.end) });
    }
  }
  if (candidates.length <= 1) return candidates;
  candidates.sort(
    (a, b) =>
      PRIORITY[a.type] - PRIORITY[b.type] ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start,
  );
  // Accepted spans, kept sorted by start, are disjoint: a binary search finds the neighbours.
  const accepted: PiiEntity[] = [];
  for (const candidate of candidates) {
    let low = 0;
    let high = accepted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((accepted[middle]?.start ?? 0) < candidate.start) low = middle + 1;
      else high = middle;
    }
    const before = accepted[low - 1];
    const after = accepted[low];
    if (before !== undefined && before.end > candidate.start) continue;
    if (after !== undefined && after.start < candidate.end) continue;
    accepted.splice(low, 0, candidate);
  }
  return accepted;
}

/**
 * `text` with its PII replaced. `mask` writes one `*` per UTF-16 code unit of the entity, so the
 * text keeps its length and every other offset; `label` writes the type in brackets (`[EMAIL]`).
 */
export function redactPii(
  text: string,
  types: readonly PiiType[],
  style: RedactionStyle,
  now: number,
): Redaction {
  const entities = detectPii(text, types, now);
  if (entities.length === 0) return { text, count: 0 };
  const parts: string[] = [];
  let position = 0;
  for (const entity of entities) {
    parts.push(text.slice(position, entity.start));
    parts.push(style === 'label' ? PII_LABELS[entity.type] : '*'.repeat(entity.end - entity.start));
    position = entity.end;
  }
  parts.push(text.slice(position));
  return { text: parts.join(''), count: entities.length };
}
