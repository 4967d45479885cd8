import { createSqlPassageVectorStore } from '../../src/adapters/sql/passage-vector-store.js';
import { createSqlSearchIndex } from '../../src/adapters/sql/search-index.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { passageVectorsContract } from './passage-vectors.contract.js';

for (const target of DATABASE_TARGETS) {
  passageVectorsContract({
    name: target.name,
    async create() {
      const fixture = await target.open();
      return {
        vectors: createSqlPassageVectorStore(fixture.database),
        index: createSqlSearchIndex(fixture.database),
        uow: createSqlUnitOfWork(fixture.database),
        database: fixture.database,
        dispose: fixture.dispose,
      };
    },
  });
}
