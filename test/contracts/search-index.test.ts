import { createSqlSearchIndex } from '../../src/adapters/sql/search-index.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { searchIndexContract } from './search-index.contract.js';

for (const target of DATABASE_TARGETS) {
  searchIndexContract({
    name: target.name,
    async create() {
      const fixture = await target.open();
      return {
        index: createSqlSearchIndex(fixture.database),
        uow: createSqlUnitOfWork(fixture.database),
        database: fixture.database,
        dispose: fixture.dispose,
      };
    },
  });
}
