/**
 * Opaque, prefixed, time-sortable identifiers (`doc_…`, `job_…`): 48 bits of milliseconds and
 * 80 random bits in Crockford base32, like a ULID. Sorting ids sorts by creation time, which
 * keeps cursor pagination and index locality simple.
 */
import { pooledRandomBytes } from './random-pool.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = pooledRandomBytes(10);
  let bits = 0;
  let buffer = 0;
  let out = '';
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
  }
  return out;
}

/** A sortable id: `prefix_` + the time `now` (ms) + randomness. */
export function newId(prefix: string, now: number): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom()}`;
}
