import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createFsBlobStore } from '../../src/adapters/fs-blobs/blob-store.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { tempDir } from '../helpers/app.js';
import { blobStoreContract, type BlobStoreFactory } from './blob-store.contract.js';

const roots = new WeakMap<BlobStore, string>();

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

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
