/**
 * Opaque, prefixed, time-sortable identifiers (`doc_…`, `job_…`): 48 bits of milliseconds and
 * 80 random bits in Crockford base32, like a ULID. Sorting ids sorts by creation time, which
 * keeps cursor pagination and index locality simple.
 */
import { randomFillSync } from 'node:crypto';

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

/**
 * Random bytes drawn 4 KiB at a time (as crypto.randomUUID does): one call per id cost more than
 * the rest of making it, and a document's passages take a thousand ids at once.
 */
const RANDOM = Buffer.alloc(4096);
let randomAt = RANDOM.length;

function randomTen(): Uint8Array {
  if (randomAt + 10 > RANDOM.length) {
    randomFillSync(RANDOM);
    randomAt = 0;
  }
  randomAt += 10;
  return RANDOM.subarray(randomAt - 10, randomAt);
}

function encodeRandom(): string {
  const bytes = randomTen();
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
