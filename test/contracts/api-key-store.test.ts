import { createSqlApiKeyStore } from '../../src/adapters/sql/api-key-store.js';
import { createSqlAuditLog } from '../../src/adapters/sql/audit-log.js';
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { keyStoresContract } from './api-key-store.contract.js';

for (const target of DATABASE_TARGETS) {
  keyStoresContract({
    name: target.name,
    async create() {
      const fixture = await target.open();
      return {
        keys: createSqlApiKeyStore(fixture.database),
        audit: createSqlAuditLog(fixture.database),
        tenants: createSqlTenantStore(fixture.database),
        dispose: fixture.dispose,
      };
    },
  });
}
