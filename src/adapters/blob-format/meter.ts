/**
 * A pass-through that hashes (SHA-256) and counts the plaintext as it streams by, and fails the
 * pipeline with PAYLOAD_TOO_LARGE on the chunk that takes the count past the limit, before that
 * chunk goes any further.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../errors.js';

export class Meter extends Transform {
  readonly #hash = createHash('sha256');
  readonly #maxBytes: number;
  #size = 0;
  #digest: string | undefined;

  constructor(maxBytes: number) {
    super();
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
      throw new TypeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
    this.#maxBytes = maxBytes;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** The hex SHA-256 of everything seen; only once the stream has ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('the meter has not seen the end of the stream');
    return this.#digest;
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = toBuffer(chunk);
    this.#size += bytes.length;
    if (this.#size > this.#maxBytes) {
      done(
        new AppError(
          'PAYLOAD_TOO_LARGE',
          `The upload exceeds the limit of ${this.#maxBytes} bytes.`,
        ),
      );
      return;
    }
    this.#hash.update(bytes);
    done(null, bytes);
  }

  override _flush(done: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    done();
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError('a blob source must yield bytes (Uint8Array)');
}
