/**
 * Reading a blob file of any format: raw plaintext, escaped plaintext (format.ts) or chunked
 * AES-256-GCM (chunked-encryption.ts), as a whole or as an inclusive byte range.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ByteRange } from '../../ports/blob-store.js';
import {
  HEADER_LENGTH,
  assertKeyMatches,
  decryptRange,
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

/** Reads the file's framing: what it holds and the plaintext size. */
export async function inspectBlobFile(handle: FileHandle): Promise<BlobFile> {
  const { size: fileLength } = await handle.stat();
  const head = Buffer.alloc(Math.min(HEADER_LENGTH, fileLength));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  const start = head.subarray(0, bytesRead);
  if (!startsWithMagic(start)) return { kind: 'plain', size: fileLength, offset: 0 };
  const format = start[MAGIC.length];
  if (format === FORMAT_PLAIN)
    return { kind: 'plain', size: fileLength - PLAIN_HEADER.length, offset: PLAIN_HEADER.length };
  if (format === FORMAT_AES_GCM_CHUNKED) {
    const header = parseEncryptedHeader(start);
    const expected = encryptedFileLength(header);
    if (expected !== fileLength)
      throw new Error(
        `encrypted blob is truncated or corrupt: expected ${expected} bytes, found ${fileLength}`,
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

/**
 * A stream of the blob's plaintext (or of `range`), taking ownership of `handle`: it is closed
 * when the stream ends, fails or is destroyed (even unread). On a throw the caller still owns it.
 */
export async function readBlobFile(
  handle: FileHandle,
  file: BlobFile,
  key: Buffer | undefined,
  range: ByteRange | undefined,
): Promise<Readable> {
  if (range !== undefined) checkRange(range, file.size);
  const start = range?.start ?? 0;
  const end = range === undefined ? file.size : range.end + 1; // exclusive
  if (file.kind === 'encrypted') {
    const verified = assertKeyMatches(file.header, key);
    return chunksStream(handle, decryptRange(handle, file.header, verified, start, end));
  }
  if (end === start) {
    await handle.close();
    return Readable.from([], { objectMode: false });
  }
  return handle.createReadStream({ start: file.offset + start, end: file.offset + end - 1 });
}

/** A byte stream pulling one chunk at a time; closes the handle however it finishes. */
function chunksStream(handle: FileHandle, chunks: AsyncGenerator<Buffer>): Readable {
  return new Readable({
    read() {
      chunks.next().then(
        (next) => this.push(next.done === true ? null : next.value),
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, done) {
      chunks
        .return(undefined)
        .catch(() => undefined)
        .then(() => handle.close())
        .then(
          () => done(error),
          (closeError: Error) => done(error ?? closeError),
        );
    },
  });
}
