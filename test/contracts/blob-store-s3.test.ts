/** The BlobStore contract against the S3 store, on s3rver (a real S3-protocol server) on loopback. */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { before } from 'node:test';
import { createS3BlobStore } from '../../src/adapters/s3-blobs/blob-store.js';
import { createS3Guard } from '../../src/adapters/s3-blobs/failures.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { tempDir } from '../helpers/app.js';
import { filesUnder } from '../helpers/files.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { blobStoreContract, type BlobStoreFactory } from './blob-store.contract.js';

/** s3rver on loopback, shared by the S3 runs; each run has its own key prefix and tmp dir. */
const S3_PORT = 27100;
let s3: S3TestServer;
before(async () => {
  s3 = await startS3Server(S3_PORT);
});

interface S3Placement {
  prefix: string;
  tmpDir: string;
}
const placements = new WeakMap<BlobStore, S3Placement>();

function placement(store: BlobStore): S3Placement {
  const found = placements.get(store);
  if (found === undefined) throw new Error('not a store this factory made');
  return found;
}

function s3Factory(
  name: string,
  options: { encryptionKey?: Buffer; chunkSize?: number } = {},
): BlobStoreFactory {
  return {
    name,
    chunkSize: options.chunkSize,
    async create() {
      const where = { prefix: `run-${randomUUID()}/`, tmpDir: join(tempDir('quire-s3-'), 'tmp') };
      // Small parts so the larger round trips go through multipart uploads.
      const store = createS3BlobStore({
        client: s3.client(),
        bucket: s3.bucket,
        guard: createS3Guard(),
        partSize: 5 * 1024 * 1024,
        ...where,
        ...options,
      });
      placements.set(store, where);
      return store;
    },
    // Staged bytes wait in the local tmp dir; anything in the bucket outside blobs/ is a leftover.
    async stagingLeftovers(store) {
      const { prefix, tmpDir } = placement(store);
      const local = await filesUnder(tmpDir);
      const stray = (await s3.keys(prefix)).filter((key) => !key.startsWith(`${prefix}blobs/`));
      return [...local, ...stray];
    },
    blobCount: async (store) => (await s3.keys(`${placement(store).prefix}blobs/`)).length,
  };
}

blobStoreContract(s3Factory('s3, plain'));
blobStoreContract(s3Factory('s3, encrypted', { encryptionKey: randomBytes(32) }));
blobStoreContract(
  s3Factory('s3, encrypted, 1000-byte chunks', { encryptionKey: randomBytes(32), chunkSize: 1000 }),
);
