/**
 * An idle worker takes a job enqueued in its own process at once, not at its next poll: a real
 * SQL queue and runner with a poll of a minute. The control: a job committed without the queue
 * being told (as another process's would be) waits for that poll.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqlJobQueue } from '../../src/adapters/sql/job-queue.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { JobRecord } from '../../src/ports/job-store.js';
import { job } from '../contracts/job-queue.contract.js';
import { DATABASE_TARGETS } from '../helpers/databases.js';

const POLL_MS = 60_000;

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition() && performance.now() < deadline) await sleep(10);
  return condition();
}

for (const target of DATABASE_TARGETS) {
  describe(`idle workers told of enqueued jobs on ${target.name}`, { timeout: 30_000 }, () => {
    it('a job enqueued in this process starts at once; one committed elsewhere waits for the poll', async (t) => {
      const fixture = await target.open();
      t.after(() => fixture.dispose());
      const uow = createSqlUnitOfWork(fixture.database);
      const queue: JobQueue = createSqlJobQueue(fixture.database);
      const started: string[] = [];
      const runner = new JobRunner({
        queue,
        owner: 'worker',
        concurrency: 2,
        leaseMs: 8_000,
        pollMs: POLL_MS,
        retryBaseMs: 60_000,
        handler: {
          types: ['fetch'],
          unexpected: { code: 'INTERNAL', message: 'unexpected', retryable: true },
          async run(held, { owner }) {
            started.push(held.id);
            await uow.stores.jobs.complete(held.id, owner, new Date().toISOString());
          },
        },
      });
      runner.start();
      t.after(() => runner.stop());
      // The runner's first look finds nothing: it now sleeps until its poll, a minute away.
      await sleep(200);

      const elsewhere: JobRecord = job();
      await uow.stores.jobs.insert(elsewhere);
      assert.equal(
        await until(() => started.length > 0, 1_000),
        false,
        'a job nobody told this process of waits for the poll',
      );

      const here: JobRecord = job();
      await uow.stores.jobs.insert(here);
      const enqueuedAt = performance.now();
      await queue.enqueue([here]);
      assert.ok(await until(() => started.length > 0, 2_000), 'the enqueued job started');
      // The worker's one look takes every due job: the other one's too.
      assert.ok(await until(() => started.length === 2, 2_000), 'both jobs started');
      assert.deepEqual(new Set(started), new Set([here.id, elsewhere.id]));
      assert.ok(performance.now() - enqueuedAt < 4_000);
    });
  });
}
