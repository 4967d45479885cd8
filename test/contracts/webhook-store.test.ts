/** The SQL webhook store passes the WebhookStore contract on both dialects. */
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { webhookStoreContract } from './webhook-store.contract.js';

for (const target of DATABASE_TARGETS) {
  webhookStoreContract({
    name: `SQL (${target.name})`,
    async open() {
      const fixture = await target.open();
      const tenants = createSqlTenantStore(fixture.database);
      return {
        uow: createSqlUnitOfWork(fixture.database),
        async ensureTenant(id) {
          await tenants.ensure({ id, name: id });
        },
        dispose: () => fixture.dispose(),
      };
    },
  });
}
