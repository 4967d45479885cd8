/** The DeploymentStore contract: every adapter must pass these, unchanged. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeploymentStore } from '../../src/ports/deployment-store.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';

export interface DeploymentStoreFactory {
  name: string;
  /** A fresh store, and the unit of work over the same data (for blob references). */
  create(): Promise<{ store: DeploymentStore; uow: UnitOfWork; dispose(): Promise<void> }>;
}

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

export function deploymentStoreContract(factory: DeploymentStoreFactory): void {
  describe(`DeploymentStore contract: ${factory.name}`, () => {
    let store: DeploymentStore;
    let uow: UnitOfWork;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ store, uow, dispose } = await factory.create());
    });
    after(() => dispose());

    it('has no sentinel before the first start records one', async () => {
      assert.equal(await store.blobSentinel(), null);
    });

    it('keeps the first sentinel recorded: a later or racing one is answered with it', async () => {
      const raced = await Promise.all([
        store.recordBlobSentinel(SHA_A, new Date().toISOString()),
        store.recordBlobSentinel(SHA_B, new Date().toISOString()),
      ]);
      const [standing] = raced;
      assert.ok(standing === SHA_A || standing === SHA_B);
      assert.deepEqual(raced, [standing, standing]);
      assert.equal(await store.blobSentinel(), standing);
      assert.equal(
        await store.recordBlobSentinel('c'.repeat(64), new Date().toISOString()),
        standing,
      );
    });

    it('holds a reference to the sentinel blob: a document with the same bytes never frees it', async () => {
      const sentinel = await store.blobSentinel();
      assert.ok(sentinel !== null);
      const loser = sentinel === SHA_A ? SHA_B : SHA_A;
      // A document referencing the same bytes comes and goes.
      assert.equal(await uow.stores.blobRefs.increment(sentinel), 2);
      assert.equal(await uow.stores.blobRefs.decrement(sentinel), 1);
      // The sentinel that lost the race holds nothing.
      assert.equal(await uow.stores.blobRefs.increment(loser), 1);
      assert.equal(await uow.stores.blobRefs.decrement(loser), 0);
    });
  });
}
