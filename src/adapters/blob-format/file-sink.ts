/**
 * A Writable that writes each chunk to an open file handle at an explicit, advancing position
 * (retrying short writes). It never closes the handle: the stager still patches and fsyncs the
 * file after the stream ends, then closes it.
 */
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

export async function writeFully(
  handle: FileHandle,
  bytes: Buffer,
  position: number,
): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(
      bytes,
      written,
      bytes.length - written,
      position + written,
    );
    if (bytesWritten === 0) throw new Error('short write: the file accepted no bytes');
    written += bytesWritten;
  }
}

export class FileSink extends Writable {
  readonly #handle: FileHandle;
  #position: number;

  constructor(handle: FileHandle, startPosition = 0) {
    // A larger buffer and _writev let socket reads and file writes overlap: chunks that arrive
    // while a write is in flight go to disk together in the next one (bench:ingest).
    super({ highWaterMark: 1024 * 1024 });
    this.#handle = handle;
    this.#position = startPosition;
  }

  /** The position the next byte goes to, i.e. the file's length once the stream has finished. */
  get position(): number {
    return this.#position;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
    const position = this.#position;
    this.#position += chunk.length;
    writeFully(this.#handle, chunk, position).then(() => done(), done);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    done: (error?: Error | null) => void,
  ) {
    this._write(Buffer.concat(chunks.map(({ chunk }) => chunk)), 'binary', done);
  }
}
