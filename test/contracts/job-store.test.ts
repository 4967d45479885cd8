/** The SQL job store passes the JobStore contract on both dialects. */
import { claimJob } from '../../src/adapters/sql/job-queue.js';
import { createSqlJobStore } from '../../src/adapters/sql/job-store.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';
import { jobStoreContract } from './job-store.contract.js';

for (const target of DATABASE_TARGETS) {
  jobStoreContract({
    name: `SQL (${target.name})`,
    async create() {
      const fixture = await target.open();
      const { db } = fixture.database;
      return {
        jobs: createSqlJobStore(db),
        async lease(jobId, owner) {
          // The claim every SQL-backed queue (SQL and BullMQ) makes when a worker reserves a job.
          if ((await claimJob(db, jobId, owner, 60_000)) === null)
            throw new Error(`job ${jobId} could not be leased`);
        },
        dispose: () => fixture.dispose(),
      };
    },
  });
}
