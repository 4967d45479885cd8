import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis } from '../../src/adapters/redis/client.js';
import { createRedisIdempotencyStore } from '../../src/adapters/redis/idempotency-store.js';
import {
  createSqlIdempotencyStore,
  type SqlIdempotencyStore,
} from '../../src/adapters/sql/idempotency-store.js';
import { DATABASE_TARGETS, type DatabaseFixture } from '../helpers/databases.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { idempotencyStoreContract } from './idempotency-store.contract.js';

for (const target of DATABASE_TARGETS) {
  idempotencyStoreContract({
    name: target.name,
    async create() {
      const fixture = await target.open();
      return { store: createSqlIdempotencyStore(fixture.database), dispose: fixture.dispose };
    },
  });

  describe(`SQL idempotency store housekeeping: ${target.name}`, () => {
    let fixture: DatabaseFixture;
    let store: SqlIdempotencyStore;
    before(async () => {
      fixture = await target.open();
      store = createSqlIdempotencyStore(fixture.database);
    });
    after(() => fixture.dispose());

    it('purgeExpired deletes expired records only, and reports how many', async () => {
      await store.claim('acme', 'short-running', 'h', 50);
      await store.claim('acme', 'short-done', 'h', 50);
      await store.complete('acme', 'short-done', { status: 200, headers: {}, body: '' });
      await store.claim('globex', 'short-running', 'h', 50);
      await store.claim('acme', 'long', 'h', 60_000);
      await sleep(100);
      assert.equal(await store.purgeExpired(), 3);
      assert.equal(await store.purgeExpired(), 0);
      const left = await fixture.database.db
        .selectFrom('idempotency_keys')
        .select(['tenant_id', 'key', 'state'])
        .execute();
      assert.deepEqual(left, [{ tenant_id: 'acme', key: 'long', state: 'in_progress' }]);
      // An explicit `now` past every expiry clears the rest.
      assert.equal(await store.purgeExpired(new Date(Date.now() + 120_000).toISOString()), 1);
    });

    it('stores times as RFC 3339 and the response as JSON text', async () => {
      await store.claim('acme', 'stored', 'h', 60_000);
      const response = { status: 201, headers: { etag: '"x"' }, body: 'ok' };
      await store.complete('acme', 'stored', response);
      const row = await fixture.database.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('key', '=', 'stored')
        .executeTakeFirstOrThrow();
      assert.equal(row.state, 'completed');
      assert.deepEqual(JSON.parse(row.response ?? 'null'), response);
      const ttl = Date.parse(row.expires_at) - Date.parse(row.created_at);
      assert.ok(Math.abs(ttl - 60_000) <= 1, `expires_at − created_at = ${ttl} ms`);
      assert.match(row.expires_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });
  });
}

idempotencyStoreContract({
  name: 'redis',
  async create() {
    const redis = createRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 2000, role: 'test' });
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('error', reject);
    });
    const prefix = `quire-test:${randomBytes(4).toString('hex')}:idem:`;
    return {
      store: createRedisIdempotencyStore(redis, { prefix }),
      async dispose() {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        redis.disconnect();
      },
    };
  },
});
