/**
 * Staging: streams a source into a new temporary file (encrypting it when a key is given) with
 * backpressure and constant memory, hashing and counting the plaintext on the way, then fsyncs
 * it. On any failure — too large, aborted, the source failing — the temporary file is removed
 * and the error is rethrown.
 */
import { open, rm } from 'node:fs/promises';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StageOptions } from '../../ports/blob-store.js';
import { ChunkEncryptor } from './chunked-encryption.js';
import { FileSink, writeFully } from './file-sink.js';
import { Meter } from './meter.js';
import { PlainEscape } from './plain-escape.js';

export interface StagedFile {
  path: string;
  sha256: string;
  size: number;
}

export interface StageFileOptions extends StageOptions {
  path: string;
  encryptionKey: Buffer | undefined;
  chunkSize: number;
}

export async function stageFile(
  source: AsyncIterable<Uint8Array> | Readable,
  options: StageFileOptions,
): Promise<StagedFile> {
  try {
    return await writeStagedFile(source, options);
  } catch (error) {
    // A failed stage wants nothing more from its source. pipeline destroys it too, but not when
    // the signal aborted before the pipeline began (while the file was being opened), nor
    // before its own later tick: the caller must find it destroyed once this rejects.
    if (source instanceof Readable) source.destroy();
    throw error;
  }
}

async function writeStagedFile(
  source: AsyncIterable<Uint8Array> | Readable,
  { path, maxBytes, signal, encryptionKey, chunkSize }: StageFileOptions,
): Promise<StagedFile> {
  signal?.throwIfAborted();
  const meter = new Meter(maxBytes);
  const encryptor =
    encryptionKey === undefined ? undefined : new ChunkEncryptor(encryptionKey, chunkSize);
  const format: Transform = encryptor ?? new PlainEscape();
  const handle = await open(path, 'wx', 0o600);
  try {
    const sink = new FileSink(handle);
    await abortable(pipeline(source, meter, format, sink, { signal }), signal);
    if (encryptor !== undefined) {
      const patch = encryptor.lengthPatch();
      await writeFully(handle, patch.bytes, patch.position);
    }
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  return { path, sha256: meter.sha256, size: meter.size };
}

/**
 * Rejects with the signal's reason (as `signal.throwIfAborted()` would) the moment it aborts.
 * `pipeline` destroys every stream at once too, but settles only when a plain async-iterable
 * source next gives control back, which a stalled one may never do. The destroyed streams no
 * longer touch the file, so the caller can close and remove it right away.
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined);
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
