import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createFsBlobStore } from '../../src/adapters/fs-blobs/blob-store.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { tempDir } from '../helpers/app.js';
import { filesUnder } from '../helpers/files.js';
import { blobStoreContract, type BlobStoreFactory } from './blob-store.contract.js';

const roots = new WeakMap<BlobStore, string>();
function fsFactory(
  name: string,
  options: { encryptionKey?: Buffer; chunkSize?: number } = {},
): BlobStoreFactory {
  return {
    name,
    chunkSize: options.chunkSize,
    async create() {
      const root = tempDir('quire-blobs-');
      const store = createFsBlobStore({ root, ...options });
      roots.set(store, root);
      return store;
    },
    stagingLeftovers: (store) => filesUnder(join(roots.get(store) ?? '', 'tmp')),
    blobCount: async (store) => (await filesUnder(join(roots.get(store) ?? '', 'blobs'))).length,
  };
}

blobStoreContract(fsFactory('fs, plain'));
blobStoreContract(fsFactory('fs, encrypted', { encryptionKey: randomBytes(32) }));
blobStoreContract(
  fsFactory('fs, encrypted, 1000-byte chunks', { encryptionKey: randomBytes(32), chunkSize: 1000 }),
);
