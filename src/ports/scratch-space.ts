/**
 * Private temporary files for work that needs a path rather than bytes (extraction worker
 * threads read files): written with a byte cap enforced while streaming, removed on release.
 */
import type { Readable } from 'node:stream';

export interface ScratchFile {
  path: string;
  size: number;
  /** The first bytes, for type detection. */
  head: Uint8Array;
  release(): Promise<void>;
}

/** Streams `source` to a new scratch file; past `maxBytes` it throws AppError PAYLOAD_TOO_LARGE. */
export type ScratchWriter = (
  source: Readable | AsyncIterable<Uint8Array>,
  maxBytes: number,
  signal?: AbortSignal,
) => Promise<ScratchFile>;
