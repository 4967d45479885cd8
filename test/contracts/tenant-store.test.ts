import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { tenantStoreContract } from './tenant-store.contract.js';

for (const target of DATABASE_TARGETS) {
  tenantStoreContract({
    name: target.name,
    async create() {
      const fixture = await target.open();
      return { store: createSqlTenantStore(fixture.database), dispose: fixture.dispose };
    },
  });
}
