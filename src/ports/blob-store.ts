/**
 * Original document bytes, content-addressed by the SHA-256 of their plaintext. Writing is two
 * steps so the caller can make the bytes visible inside its own database transaction (where the
 * reference count changes): `stage` streams to a temporary file while hashing and counting,
 * `commit` moves it into place. A blob is removed only when its last reference goes.
 */
import type { Readable } from 'node:stream';

export interface StagedBlob {
  readonly sha256: string;
  readonly size: number;
  /** Removes the temporary file (a no-op after commit). */
  discard(): Promise<void>;
}

export interface LocalFile {
  readonly path: string;
  /** Removes a temporary copy; a no-op for the blob's own file. Idempotent. */
  release(): Promise<void>;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface StageOptions {
  /** Past this many bytes staging stops, the temporary file is removed, and it throws AppError PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface BlobStore {
  stage(source: AsyncIterable<Uint8Array> | Readable, options: StageOptions): Promise<StagedBlob>;
  /** Makes the staged bytes readable under their hash; idempotent when the blob already exists. */
  commit(staged: StagedBlob): Promise<void>;
  /** Streams the plaintext, or the inclusive byte range of it. Throws AppError NOT_FOUND when absent. */
  open(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * A plaintext file of the blob, for readers that need a path (extraction workers are handed
   * paths, never bytes): the blob's own file when it is stored as plain bytes, else a temporary
   * decrypted copy that `release` removes. Throws AppError NOT_FOUND when absent.
   */
  materialize(sha256: string): Promise<LocalFile>;
  /** Plaintext size, or null when absent. */
  size(sha256: string): Promise<number | null>;
  /** Deletes the blob; a no-op when absent. */
  remove(sha256: string): Promise<void>;
  /** For readiness: the store can be written. */
  check(signal: AbortSignal): Promise<void>;
}
