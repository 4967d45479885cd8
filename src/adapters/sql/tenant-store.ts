import { AppError } from '../../errors.js';
import { newId } from '../../shared/ids.js';
import type { NewTenant, Tenant, TenantStore } from '../../ports/tenant-store.js';
import type { SqlDatabase } from './database.js';

export function createSqlTenantStore(database: SqlDatabase): TenantStore {
  const { db } = database;

  async function get(id: string): Promise<Tenant | null> {
    const row = await db
      .selectFrom('tenants')
      .select(['id', 'name', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  async function insert(tenant: Tenant): Promise<boolean> {
    const result = await db
      .insertInto('tenants')
      .values(tenant)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  return {
    get,

    async create(input: NewTenant) {
      const tenant: Tenant = {
        id: input.id ?? newId('tnt', Date.now()),
        name: input.name,
        created_at: new Date().toISOString(),
      };
      if (!(await insert(tenant))) {
        throw new AppError('CONFLICT', `tenant ${tenant.id} already exists`);
      }
      return (await get(tenant.id)) ?? tenant;
    },

    async ensure(input) {
      await insert({ id: input.id, name: input.name, created_at: new Date().toISOString() });
      const tenant = await get(input.id);
      if (tenant === null) throw new Error(`tenant ${input.id} vanished while being ensured`);
      return tenant;
    },
  };
}
