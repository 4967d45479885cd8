/** The ApiKeyStore and AuditLog contracts, for every SQL dialect. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/shared/ids.js';
import { AppError } from '../../src/errors.js';
import type { ApiKeyRecord, ApiKeyStore } from '../../src/ports/api-key-store.js';
import type { AuditLog } from '../../src/ports/audit-log.js';
import type { TenantStore } from '../../src/ports/tenant-store.js';

export interface KeyStoresFactory {
  name: string;
  create(): Promise<{
    keys: ApiKeyStore;
    audit: AuditLog;
    tenants: TenantStore;
    dispose(): Promise<void>;
  }>;
}

function record(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = newId('key', Date.now());
  return {
    id,
    tenant_id: 'acme',
    name: 'test key',
    prefix: `qk_${id.slice(-9)}`,
    key_hash: 'a'.repeat(64),
    scopes: ['documents:read', 'search'],
    rate_tier: 'standard',
    expires_at: null,
    created_at: new Date().toISOString(),
    revoked_at: null,
    ...overrides,
  };
}

export function keyStoresContract(factory: KeyStoresFactory): void {
  describe(`ApiKeyStore and AuditLog contract: ${factory.name}`, () => {
    let keys: ApiKeyStore;
    let audit: AuditLog;
    let dispose: () => Promise<void>;
    before(async () => {
      let tenants: TenantStore;
      ({ keys, audit, tenants, dispose } = await factory.create());
      await tenants.ensure({ id: 'acme', name: 'Acme' });
      await tenants.ensure({ id: 'globex', name: 'Globex' });
    });
    after(() => dispose());

    it('stores a key and finds it by prefix and id, scopes and times intact', async () => {
      const key = record({ expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      await keys.insert(key);
      assert.deepEqual(await keys.findByPrefix(key.prefix), key);
      assert.deepEqual(await keys.get(key.id), key);
      assert.equal(await keys.findByPrefix('qk_nothing00'), null);
    });

    it('refuses a duplicate prefix with CONFLICT', async () => {
      const key = record();
      await keys.insert(key);
      await assert.rejects(
        keys.insert(record({ prefix: key.prefix })),
        (error: unknown) => error instanceof AppError && error.code === 'CONFLICT',
      );
    });

    it('refuses a key of an unknown tenant', async () => {
      await assert.rejects(keys.insert(record({ tenant_id: 'nobody' })));
    });

    it('revokes once', async () => {
      const key = record();
      await keys.insert(key);
      const at = new Date().toISOString();
      assert.equal(await keys.revoke(key.id, at), true);
      assert.equal(await keys.revoke(key.id, at), false);
      assert.equal((await keys.get(key.id))?.revoked_at, at);
      assert.equal(await keys.revoke('key_missing', at), false);
    });

    it('counts only active keys', async () => {
      const now = new Date().toISOString();
      const before = await keys.countActive(now);
      await keys.insert(record());
      await keys.insert(record({ expires_at: new Date(Date.now() - 1000).toISOString() }));
      const revoked = record();
      await keys.insert(revoked);
      await keys.revoke(revoked.id, now);
      assert.equal(await keys.countActive(now), before + 1);
    });

    it('lists newest first, by tenant, page by page', async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const key = record({ tenant_id: 'globex' });
        await keys.insert(key);
        made.push(key.id);
        await new Promise((resolve) => setTimeout(resolve, 2)); // distinct millisecond ids
      }
      const first = await keys.list({ tenantId: 'globex', limit: 2 });
      assert.deepEqual(
        first.data.map((k) => k.id),
        [made[4], made[3]],
      );
      assert.ok(first.next_cursor);
      const second = await keys.list({ tenantId: 'globex', limit: 2, after: first.next_cursor });
      assert.deepEqual(
        second.data.map((k) => k.id),
        [made[2], made[1]],
      );
      const third = await keys.list({
        tenantId: 'globex',
        limit: 2,
        after: second.next_cursor as string,
      });
      assert.deepEqual(
        third.data.map((k) => k.id),
        [made[0]],
      );
      assert.equal(third.next_cursor, null);
      const all = await keys.list({ limit: 200 });
      assert.ok(
        all.data.some((k) => k.tenant_id === 'acme') &&
          all.data.some((k) => k.tenant_id === 'globex'),
      );
    });

    it('records audit entries and lists them newest first, by tenant', async () => {
      const first = await audit.record({
        tenant_id: 'acme',
        actor: 'key_x',
        action: 'api_key.created',
        target_type: 'api_key',
        target_id: 'key_y',
        request_id: 'req-1',
        ip: '127.0.0.1',
        details: { scopes: ['search'] },
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
      const second = await audit.record({ ...first, action: 'api_key.revoked', tenant_id: 'acme' });
      await audit.record({ ...first, tenant_id: 'globex' });
      const page = await audit.list({ tenantId: 'acme', limit: 10 });
      assert.deepEqual(page.data.map((e) => e.id).slice(0, 2), [second.id, first.id]);
      assert.deepEqual(page.data[1]?.details, { scopes: ['search'] });
      assert.ok(page.data.every((e) => e.tenant_id === 'acme'));
    });
  });
}
