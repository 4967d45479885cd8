/**
 * The blob sentinel on real adapters (local-file blobs, SQLite): written once at the first start,
 * read back by the blob_store readiness check, which fails on a store that does not hold it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFsBlobStore } from '../../src/adapters/fs-blobs/blob-store.js';
import { createSqlDeploymentStore } from '../../src/adapters/sql/deployment-store.js';
import { blobStoreCheck, ensureBlobSentinel } from '../../src/domain/blob-sentinel.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import type { DeploymentStore } from '../../src/ports/deployment-store.js';
import { DATABASE_TARGETS, type DatabaseFixture } from '../helpers/databases.js';
import { tempDir } from '../helpers/app.js';

const sqlite = DATABASE_TARGETS.find((target) => target.name === 'sqlite');
const now = (): Date => new Date();

/** The real store, noting the hash of every blob staged through it. */
function noting(store: BlobStore, staged: string[]): BlobStore {
  return {
    ...store,
    async stage(source, options) {
      const blob = await store.stage(source, options);
      staged.push(blob.sha256);
      return blob;
    },
  };
}

describe('blob sentinel', { timeout: 30_000 }, () => {
  let fixture: DatabaseFixture;
  let deployment: DeploymentStore;
  before(async () => {
    if (sqlite === undefined) throw new Error('no sqlite target');
    fixture = await sqlite.open();
    deployment = createSqlDeploymentStore(fixture.database);
  });
  after(() => fixture.dispose());

  it('the first start writes one sentinel (racing starts agree on it); later starts reuse it', async () => {
    const staged: string[] = [];
    const blobs = noting(createFsBlobStore({ root: tempDir() }), staged);
    const [one, two] = await Promise.all([
      ensureBlobSentinel(blobs, deployment, now),
      ensureBlobSentinel(blobs, deployment, now),
    ]);
    assert.equal(one, two);
    assert.equal(await deployment.blobSentinel(), one);
    const kept = [];
    for (const sha of staged) if ((await blobs.size(sha)) !== null) kept.push(sha);
    assert.deepEqual(kept, [one], 'only the recorded sentinel stays');
    assert.equal(await ensureBlobSentinel(blobs, deployment, now), one);
    assert.equal(staged.length, 2, 'nothing written once a sentinel is recorded');
  });

  it('the blob_store check passes on the store holding the sentinel, fails on another', async () => {
    const root = tempDir();
    const fixtureStore = await sqlite?.open();
    assert.ok(fixtureStore !== undefined);
    try {
      const store = createSqlDeploymentStore(fixtureStore.database);
      const key = Buffer.alloc(32, 7);
      const own = createFsBlobStore({ root, encryptionKey: key });
      const sentinel = await ensureBlobSentinel(own, store, now);
      const signal = AbortSignal.timeout(5_000);
      await blobStoreCheck(own, store, sentinel).check(signal);
      // Read from the database when the caller does not know it (an offline tool's adapters).
      await blobStoreCheck(own, store, null).check(signal);
      const elsewhere = createFsBlobStore({ root: tempDir(), encryptionKey: key });
      const check = blobStoreCheck(elsewhere, store, null);
      assert.equal(check.name, 'blob_store');
      await assert.rejects(
        check.check(signal),
        new RegExp(`sentinel blob ${sentinel}: it is not the store this deployment writes to`),
      );
    } finally {
      await fixtureStore.dispose();
    }
  });
});
