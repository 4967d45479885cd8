/** The SQL document and blob reference stores pass their contracts on both dialects. */
import {
  createSqlBlobRefStore,
  createSqlDocumentStore,
} from '../../src/adapters/sql/document-store.js';
import { createSqlTenantStore } from '../../src/adapters/sql/tenant-store.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { documentStoreContract } from './document-store.contract.js';

for (const target of DATABASE_TARGETS) {
  documentStoreContract({
    name: `SQL (${target.name})`,
    async create() {
      const fixture = await target.open();
      const { database } = fixture;
      const tenants = createSqlTenantStore(database);
      return {
        documents: createSqlDocumentStore(database.db, database.dialect),
        blobRefs: createSqlBlobRefStore(database.db),
        async ensureTenant(id) {
          await tenants.ensure({ id, name: id });
        },
        dispose: () => fixture.dispose(),
      };
    },
  });
}
