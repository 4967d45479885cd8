/**
 * Dates of birth: a date right after a label ("DOB", "date of birth", "born on", "geb." …),
 * numeric or with an English or German month name, that is a real calendar date in the past.
 */
import { scan, type Finder } from './scan.js';

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

export const findBirthDates: Finder = (text, now) =>
  scan(DOB_RE, text, (match) => {
    const span = match.indices?.groups?.date;
    const value = match.groups?.date;
    if (span === undefined || value === undefined || !plausibleBirthDate(value, now)) return null;
    return { start: span[0], end: span[1] };
  });
