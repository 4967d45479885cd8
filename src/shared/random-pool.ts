/**
 * Random bytes drawn 4 KiB at a time (as crypto.randomUUID does): one `randomFillSync` per refill
 * instead of one call per id, which cost more than the rest of making an id (ids of a document's
 * passages, a request's trace and span ids).
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` (at most 4096) random bytes: a view of the pool, to read before the next call. */
export function pooledRandomBytes(bytes: number): Buffer {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += bytes;
  return pool.subarray(offset - bytes, offset);
}
