/** The SQL document and blob reference stores pass their contracts on both dialects. */
import {
  createSqlBlobRefStore,
  createSqlDocumentStore,
} from '../../src/adapters/sql/document-store.js';
import { DATABASE_TARGETS, tenantEnsurer } from '../helpers/databases.js';
import { documentStoreContract } from './document-store.contract.js';

for (const target of DATABASE_TARGETS) {
  documentStoreContract({
    name: `SQL (${target.name})`,
    async create() {
      const fixture = await target.open();
      const { database } = fixture;
      return {
        documents: createSqlDocumentStore(database.db, database.dialect),
        blobRefs: createSqlBlobRefStore(database.db),
        ensureTenant: tenantEnsurer(database),
        dispose: () => fixture.dispose(),
      };
    },
  });
}
