/**
 * Where objects live in the bucket: `<prefix>blobs/ab/cd/<sha256>` for blobs (the same fan-out
 * as the fs store, which also keeps listings by prefix short) and `<prefix>probes/` for the
 * readiness probe. Only a strict lowercase hex SHA-256 ever becomes a blob key.
 */
import { isSha256 } from '../fs-blobs/layout.js';

export { isSha256 };

export interface ObjectKeys {
  /** Every blob key starts with this. */
  readonly blobsPrefix: string;
  /** The blob's key; the caller must have checked `isSha256(sha256)`. */
  blob(sha256: string): string;
  /** A fresh key for one readiness probe. */
  probe(id: string): string;
}

export function objectKeys(prefix: string): ObjectKeys {
  const blobsPrefix = `${prefix}blobs/`;
  return {
    blobsPrefix,
    blob(sha256) {
      if (!isSha256(sha256)) throw new TypeError('not a SHA-256 hex digest');
      return `${blobsPrefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
    },
    probe: (id) => `${prefix}probes/${id}`,
  };
}
