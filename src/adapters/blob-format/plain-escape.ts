/**
 * Unencrypted blobs are stored as their raw bytes, except plaintext that itself begins with the
 * framing magic: that gets `PLAIN_HEADER` in front, so reading can never take it for an encrypted
 * (or otherwise framed) file. Holds back at most the first `MAGIC.length - 1` bytes to decide.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { MAGIC, PLAIN_HEADER, startsWithMagic } from './format.js';

export class PlainEscape extends Transform {
  /** The start of the stream while it is still too short to decide; null once decided. */
  #head: Buffer | null = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.#head === null) {
      done(null, chunk);
      return;
    }
    const head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
    if (head.length < MAGIC.length) {
      this.#head = Buffer.from(head); // a copy: the producer may reuse its buffer
      done();
      return;
    }
    this.#head = null;
    if (startsWithMagic(head)) this.push(PLAIN_HEADER);
    done(null, head);
  }

  override _flush(done: TransformCallback): void {
    // Shorter than the magic, so it cannot begin with it.
    if (this.#head !== null && this.#head.length > 0) this.push(this.#head);
    done();
  }
}
