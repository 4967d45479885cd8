/**
 * What a stored blob holds, told from its first bytes and its length: raw plaintext, escaped
 * plaintext (format.ts) or chunked AES-256-GCM (chunked-encryption.ts). Shared by every blob
 * store that keeps Quire's at-rest format, wherever the bytes live.
 */
import type { ByteRange } from '../../ports/blob-store.js';
import {
  encryptedFileLength,
  parseEncryptedHeader,
  type EncryptedHeader,
} from './chunked-encryption.js';
import {
  FORMAT_AES_GCM_CHUNKED,
  FORMAT_PLAIN,
  MAGIC,
  PLAIN_HEADER,
  startsWithMagic,
} from './format.js';

export type BlobFile =
  | { kind: 'plain'; size: number; /** where the plaintext starts in the file */ offset: number }
  | { kind: 'encrypted'; size: number; header: EncryptedHeader };

/** `head` is the stored object's first min(HEADER_LENGTH, length) bytes; `length` its whole length. */
export function classifyBlob(head: Buffer, length: number): BlobFile {
  if (!startsWithMagic(head)) return { kind: 'plain', size: length, offset: 0 };
  const format = head[MAGIC.length];
  if (format === FORMAT_PLAIN)
    return { kind: 'plain', size: length - PLAIN_HEADER.length, offset: PLAIN_HEADER.length };
  if (format === FORMAT_AES_GCM_CHUNKED) {
    const header = parseEncryptedHeader(head);
    const expected = encryptedFileLength(header);
    if (expected !== length)
      throw new Error(
        `encrypted blob is truncated or corrupt: expected ${expected} bytes, found ${length}`,
      );
    return { kind: 'encrypted', size: header.plaintextLength, header };
  }
  throw new Error(`blob file has an unknown format (${format ?? 'none'})`);
}

/** Throws a RangeError unless the inclusive range lies within a blob of `size` bytes. */
export function checkRange(range: ByteRange, size: number): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new RangeError(`invalid byte range ${start}-${end}`);
  if (end >= size)
    throw new RangeError(`byte range ${start}-${end} is outside the blob (${size} bytes)`);
}
