/**
 * The two-step write both blob stores share: `stage` streams to a local temporary file (hashed,
 * counted, encrypted when a key is given) and hands back a StagedBlob; `commit` runs the store's
 * own way of making that file the blob (a rename, an upload) once, however many callers ask, and
 * may be retried after a failure; `discard` waits for a commit under way, then removes the file
 * unless it was committed.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { StagedBlob, StageOptions } from '../../ports/blob-store.js';
import { stageFile } from './stage.js';

export interface StagedState {
  path: string;
  state: 'staged' | 'committed' | 'discarded';
  /** The commit under way or done, so concurrent commits of one staged blob share it. */
  commit?: Promise<void>;
}

export interface StagedBlobsOptions {
  tmpDir: string;
  /** A new temporary file's path in `tmpDir`. */
  tempPath: () => string;
  encryptionKey: Buffer | undefined;
  chunkSize: number;
  /** Makes the staged file the blob `sha256` and sets `state.state` to 'committed'. */
  commitFile: (state: StagedState, sha256: string) => Promise<void>;
}

export class StagedBlobs {
  private readonly staged = new WeakMap<StagedBlob, StagedState>();

  constructor(private readonly options: StagedBlobsOptions) {}

  async stage(
    source: AsyncIterable<Uint8Array> | Readable,
    stageOptions: StageOptions,
  ): Promise<StagedBlob> {
    const { tmpDir, tempPath, encryptionKey, chunkSize } = this.options;
    await mkdir(tmpDir, { recursive: true });
    const file = await stageFile(source, {
      ...stageOptions,
      path: tempPath(),
      encryptionKey,
      chunkSize,
    });
    const state: StagedState = { path: file.path, state: 'staged' };
    const blob: StagedBlob = {
      sha256: file.sha256,
      size: file.size,
      async discard() {
        if (state.commit !== undefined) await state.commit.catch(() => undefined);
        if (state.state !== 'staged') return;
        state.state = 'discarded';
        await rm(state.path, { force: true });
      },
    };
    this.staged.set(blob, state);
    return blob;
  }

  async commit(blob: StagedBlob): Promise<void> {
    const state = this.staged.get(blob);
    if (state === undefined) throw new Error('this staged blob does not belong to this store');
    if (state.state === 'discarded') throw new Error('cannot commit a discarded blob');
    state.commit ??= this.options.commitFile(state, blob.sha256).catch((error: unknown) => {
      state.commit = undefined; // a failed commit may be retried, or discarded
      throw error;
    });
    await state.commit;
  }
}
