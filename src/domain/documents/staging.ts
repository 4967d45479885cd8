/**
 * Staging: bytes stream to the blob store (hashed on the way, capped at the upload limit) before
 * any row points at them, with their first bytes kept aside for type detection.
 */
import type { Readable } from 'node:stream';
import type { StagedBlob } from '../../ports/blob-store.js';
import type { DocumentDeps } from './deps.js';

const HEAD_BYTES = 64 * 1024;

export interface StagedUpload {
  staged: StagedBlob;
  head: Uint8Array;
}

export type StagingDeps = Pick<DocumentDeps, 'blobs' | 'maxUploadBytes'>;

/** Copies the first bytes of a stream aside while passing every chunk on. */
async function* tapHead(
  source: AsyncIterable<Uint8Array>,
  head: Uint8Array[],
): AsyncGenerator<Uint8Array> {
  let kept = 0;
  for await (const chunk of source) {
    if (kept < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - kept);
      head.push(Uint8Array.from(part));
      kept += part.length;
    }
    yield chunk;
  }
}

/** Streams bytes to the blob store, keeping their head for type detection. */
export async function stageUpload(
  deps: StagingDeps,
  source: AsyncIterable<Uint8Array> | Readable,
  signal?: AbortSignal,
): Promise<StagedUpload> {
  const head: Uint8Array[] = [];
  const staged = await deps.blobs.stage(tapHead(source, head), {
    maxBytes: deps.maxUploadBytes,
    ...(signal === undefined ? {} : { signal }),
  });
  return { staged, head: Buffer.concat(head) };
}
