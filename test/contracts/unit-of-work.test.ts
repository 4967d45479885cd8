/** The SQL unit of work passes the UnitOfWork contract on both dialects. */
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { unitOfWorkContract } from './unit-of-work.contract.js';

for (const target of DATABASE_TARGETS) {
  unitOfWorkContract({
    name: `SQL (${target.name})`,
    async create() {
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
