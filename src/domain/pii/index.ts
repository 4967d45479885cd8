/**
 * PII detection and redaction over plain text, with no Fastify imports so the same code serves
 * the HTTP routes, `?redact=pii` on document content and offline evaluation (scripts/pii-eval.ts).
 *
 * Each type has a detector module here: a linear-time candidate regex (see scan.ts) and a
 * validator that applies what a regex should not: Luhn and IIN prefixes for cards, mod-97 and
 * per-country lengths for IBANs (checksums.ts), octet ranges and `net.isIP`, the SSA's invalid SSN
 * ranges, real calendar dates, and phone-number shapes. This module runs the detectors the caller
 * asks for and resolves overlaps between their candidates.
 *
 * Offsets (`start`, `end`) are UTF-16 code unit offsets into the input, as JavaScript string
 * indices are; `end` is exclusive, so `text.slice(start, end)` is the entity.
 */
import { findBirthDates } from './birth-dates.js';
import { findCards } from './cards.js';
import { findEmails } from './emails.js';
import { findIbans } from './ibans.js';
import { findIps } from './ips.js';
import { findPhones } from './phones.js';
import type { Finder } from './scan.js';
import { findSsns } from './ssns.js';

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

/** Each type's detector. */
const FINDERS: Record<PiiType, Finder> = {
  email: findEmails,
  phone: findPhones,
  credit_card: findCards,
  iban: findIbans,
  ip_address: findIps,
  us_ssn: findSsns,
  date_of_birth: findBirthDates,
};

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
