/**
 * Where blobs live under the store's root: `blobs/ab/cd/<sha256>` (two fan-out levels keep
 * directories small) and `tmp/` for files being staged. Only a strict lowercase hex SHA-256 ever
 * becomes a path, so no argument can point outside the root.
 */
import { join } from 'node:path';
import { tempFileName } from '../fs-temp/temp-files.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

export interface BlobLayout {
  readonly root: string;
  readonly blobsDir: string;
  readonly tmpDir: string;
  /** The blob's file; the caller must have checked `isSha256(sha256)`. */
  blobPath(sha256: string): string;
  /** A fresh, unique name under `tmp/`, naming this process (see fs-temp/temp-files.ts). */
  tempPath(kind: 'stage' | 'probe' | 'plain'): string;
}

export function blobLayout(root: string): BlobLayout {
  const blobsDir = join(root, 'blobs');
  const tmpDir = join(root, 'tmp');
  return {
    root,
    blobsDir,
    tmpDir,
    blobPath(sha256) {
      if (!isSha256(sha256)) throw new TypeError('not a SHA-256 hex digest');
      return join(blobsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    },
    tempPath(kind) {
      return join(tmpDir, tempFileName(kind));
    },
  };
}
