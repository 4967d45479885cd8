/** The SQL job queue passes the JobQueue contract on both dialects. */
import { createSqlJobQueue } from '../../src/adapters/sql/job-queue.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { jobQueueContract } from './job-queue.contract.js';

for (const target of DATABASE_TARGETS) {
  jobQueueContract({
    name: `SQL (${target.name})`,
    async open() {
      const fixture = await target.open();
      return {
        queue: createSqlJobQueue(fixture.database),
        uow: createSqlUnitOfWork(fixture.database),
        dispose: () => fixture.dispose(),
      };
    },
  });
}
