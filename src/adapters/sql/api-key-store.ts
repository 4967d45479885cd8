import { AppError } from '../../errors.js';
import type { RateTier, Scope } from '../../ports/principal.js';
import type { ApiKeyRecord, ApiKeyStore } from '../../ports/api-key-store.js';
import type { ListOptions, Page } from '../../ports/page.js';
import type { SqlDatabase } from './database.js';
import type { ApiKeysTable } from './schema.js';
import { pageOf } from './paging.js';

function toRecord(row: ApiKeysTable): ApiKeyRecord {
  return {
    ...row,
    scopes: JSON.parse(row.scopes) as Scope[],
    rate_tier: row.rate_tier as RateTier,
  };
}

export function createSqlApiKeyStore({ db }: SqlDatabase): ApiKeyStore {
  return {
    async insert(record) {
      const result = await db
        .insertInto('api_keys')
        .values({ ...record, scopes: JSON.stringify(record.scopes) })
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
        throw new AppError('CONFLICT', 'an API key with this id or prefix already exists');
      }
    },

    async findByPrefix(prefix) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('prefix', '=', prefix)
        .executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },

    async get(id) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },

    async list({ tenantId, limit, after }: ListOptions): Promise<Page<ApiKeyRecord>> {
      let query = db
        .selectFrom('api_keys')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      if (after !== undefined) query = query.where('id', '<', after);
      return pageOf((await query.execute()).map(toRecord), limit);
    },

    async revoke(id, at) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async countActive(now) {
      const row = await db
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
