/** The TenantStore contract: every adapter must pass these, unchanged. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import type { TenantStore } from '../../src/ports/tenant-store.js';

export interface TenantStoreFactory {
  name: string;
  create(): Promise<{ store: TenantStore; dispose(): Promise<void> }>;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function tenantStoreContract(factory: TenantStoreFactory): void {
  describe(`TenantStore contract: ${factory.name}`, () => {
    let store: TenantStore;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ store, dispose } = await factory.create());
    });
    after(() => dispose());

    it('creates a tenant with a generated prefixed id and reads it back', async () => {
      const created = await store.create({ name: 'Acme' });
      assert.match(created.id, /^tnt_[0-9a-z]{26}$/);
      assert.equal(created.name, 'Acme');
      assert.match(created.created_at, RFC3339);
      assert.deepEqual(await store.get(created.id), created);
    });

    it('keeps a chosen id', async () => {
      const created = await store.create({ id: 'tenant-chosen', name: 'Chosen' });
      assert.equal(created.id, 'tenant-chosen');
    });

    it('answers null for an unknown id', async () => {
      assert.equal(await store.get('tnt_missing'), null);
    });

    it('refuses a duplicate id with CONFLICT and keeps the first', async () => {
      await store.create({ id: 'dup', name: 'first' });
      await assert.rejects(
        store.create({ id: 'dup', name: 'second' }),
        (error: unknown) => error instanceof AppError && error.code === 'CONFLICT',
      );
      assert.equal((await store.get('dup'))?.name, 'first');
    });

    it('ensure is idempotent and safe when raced', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.ensure({ id: 'default', name: 'Default' })),
      );
      assert.equal(new Set(results.map((tenant) => tenant.created_at)).size, 1);
      const again = await store.ensure({ id: 'default', name: 'Renamed?' });
      assert.equal(again.name, 'Default');
    });
  });
}
