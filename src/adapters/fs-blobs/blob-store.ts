/**
 * The local-directory BlobStore: content-addressed files under `<root>/blobs/ab/cd/<sha256>`,
 * staged in `<root>/tmp/`, optionally encrypted at rest (chunked-encryption.ts). Blobs written
 * without a key stay readable after a key is configured, so encryption can be turned on in place.
 */
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { AppError } from '../../errors.js';
import type { BlobStore } from '../../ports/blob-store.js';
import {
  DEFAULT_CHUNK_SIZE,
  assertChunkSize,
  assertKey,
} from '../blob-format/chunked-encryption.js';
import { isMissing, renameDurable } from './durable.js';
import { blobLayout, isSha256 } from './layout.js';
import { inspectBlobFile, readBlobFile } from './read.js';
import { StagedBlobs, type StagedState } from '../blob-format/staged-blobs.js';

export interface FsBlobStoreOptions {
  /** The store's directory; `blobs/` and `tmp/` are created in it as needed. */
  root: string;
  /** 32 bytes: encrypt new blobs with AES-256-GCM. Without it blobs are written as they are. */
  encryptionKey?: Buffer;
  /** Plaintext bytes per encrypted chunk (default 64 KiB); a Range read decrypts whole chunks. */
  chunkSize?: number;
}

/** Long because the port is wide: one short method per port operation, sharing the layout. */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore {
  const layout = blobLayout(options.root);
  if (options.encryptionKey !== undefined) assertKey(options.encryptionKey);
  // A copy: the caller may wipe or reuse its buffer.
  const encryptionKey =
    options.encryptionKey === undefined ? undefined : Buffer.from(options.encryptionKey);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  /** What only this store knows about the blobs it staged. */
  /** Opens the blob's file, or null when there is none (or `sha256` is not a SHA-256). */
  async function openBlob(sha256: string): Promise<FileHandle | null> {
    if (!isSha256(sha256)) return null;
    try {
      return await open(layout.blobPath(sha256), 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async function moveIntoPlace(state: StagedState, sha256: string): Promise<void> {
    const target = layout.blobPath(sha256);
    // Same content, same name: if it is already there, the staged copy is not needed. Two
    // commits racing past this check both rename; the second replaces the first atomically.
    const exists = await stat(target).then(
      () => true,
      (error: unknown) => {
        if (isMissing(error)) return false;
        throw error;
      },
    );
    if (exists) await rm(state.path, { force: true });
    else await renameDurable(state.path, target);
    state.state = 'committed';
  }

  const staging = new StagedBlobs({
    tmpDir: layout.tmpDir,
    tempPath: () => layout.tempPath('stage'),
    encryptionKey,
    chunkSize,
    commitFile: moveIntoPlace,
  });

  return {
    stage: (source, stageOptions) => staging.stage(source, stageOptions),
    commit: (blob) => staging.commit(blob),

    async open(sha256, range) {
      const handle = await openBlob(sha256);
      if (handle === null)
        throw new AppError(
          'NOT_FOUND',
          isSha256(sha256) ? `Blob ${sha256} was not found.` : 'No blob has that id.',
        );
      try {
        return await readBlobFile(handle, await inspectBlobFile(handle), encryptionKey, range);
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
    },

    async materialize(sha256) {
      const handle = await openBlob(sha256);
      if (handle === null) throw new AppError('NOT_FOUND', 'No blob has that id.');
      let file;
      try {
        file = await inspectBlobFile(handle);
      } catch (error) {
        await handle.close();
        throw error;
      }
      if (file.kind === 'plain' && file.offset === 0) {
        await handle.close();
        return { path: layout.blobPath(sha256), release: async () => undefined };
      }
      // Encrypted or escaped: the reader gets a private plaintext copy, removed on release.
      await mkdir(layout.tmpDir, { recursive: true });
      const path = layout.tempPath('plain');
      try {
        const plaintext = await readBlobFile(handle, file, encryptionKey, undefined);
        await pipeline(plaintext, createWriteStream(path, { mode: 0o600 }));
      } catch (error) {
        await handle.close().catch(() => undefined);
        await rm(path, { force: true });
        throw error;
      }
      return { path, release: () => rm(path, { force: true }) };
    },

    async size(sha256) {
      const handle = await openBlob(sha256);
      if (handle === null) return null;
      try {
        return (await inspectBlobFile(handle)).size;
      } finally {
        await handle.close();
      }
    },

    async remove(sha256) {
      if (!isSha256(sha256)) return;
      await rm(layout.blobPath(sha256), { force: true });
    },

    async check(signal) {
      signal.throwIfAborted();
      await mkdir(layout.tmpDir, { recursive: true });
      const probe = layout.tempPath('probe');
      try {
        await writeFile(probe, 'quire blob store probe\n', { flag: 'wx', mode: 0o600, signal });
      } finally {
        await rm(probe, { force: true });
      }
    },
  };
}
