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
} from '../blob-format/chunked-encryption.js';
import { checkRange, classifyBlob, type BlobFile } from '../blob-format/classify.js';

/** Reads the file's framing: what it holds and the plaintext size. */
export async function inspectBlobFile(handle: FileHandle): Promise<BlobFile> {
  const { size: fileLength } = await handle.stat();
  const head = Buffer.alloc(Math.min(HEADER_LENGTH, fileLength));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return classifyBlob(head.subarray(0, bytesRead), fileLength);
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
