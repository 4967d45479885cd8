/**
 * A BlobStore that times every call of the store it wraps (blob_store_operation_duration_seconds),
 * whichever store that is: the filesystem or S3. Staging includes the bytes streamed in; opening
 * is timed until the stream is ready, not while it is read (the reader sets that pace).
 */
import type { BlobStore } from '../../ports/blob-store.js';

export type BlobOperation = keyof BlobStore;

/** Told the duration of every call; `ok` false when it threw. */
export type BlobCallObserver = (operation: BlobOperation, ok: boolean, seconds: number) => void;

export function timedBlobStore(store: BlobStore, observe: BlobCallObserver): BlobStore {
  async function timed<T>(operation: BlobOperation, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const result = await call();
      ok = true;
      return result;
    } finally {
      observe(operation, ok, (performance.now() - started) / 1000);
    }
  }
  return {
    stage: (source, options) => timed('stage', () => store.stage(source, options)),
    commit: (staged) => timed('commit', () => store.commit(staged)),
    open: (sha256, range) => timed('open', () => store.open(sha256, range)),
    materialize: (sha256) => timed('materialize', () => store.materialize(sha256)),
    size: (sha256) => timed('size', () => store.size(sha256)),
    remove: (sha256) => timed('remove', () => store.remove(sha256)),
    check: (signal) => timed('check', () => store.check(signal)),
  };
}
