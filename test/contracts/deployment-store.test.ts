import { createSqlDeploymentStore } from '../../src/adapters/sql/deployment-store.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { deploymentStoreContract } from './deployment-store.contract.js';

for (const target of DATABASE_TARGETS) {
  deploymentStoreContract({
    name: target.name,
    async create() {
      const fixture = await target.open();
      return {
        store: createSqlDeploymentStore(fixture.database),
        uow: createSqlUnitOfWork(fixture.database),
        dispose: fixture.dispose,
      };
    },
  });
}
