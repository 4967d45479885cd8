/**
 * The BullMQ job queue passes the JobQueue contract with its records in SQL on both dialects, and
 * keeps its promises across processes: two processes race for one job and one wins; a job whose
 * process died between the SQL commit and `enqueue`, or that Redis lost, is swept back in; a job
 * whose process died is taken over by another once its lease runs out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createBullmqJobQueue,
  type BullmqJobQueueOptions,
} from '../../src/adapters/bullmq/job-queue.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';
import { DATABASE_TARGETS, type DatabaseFixture } from '../helpers/databases.js';
import { deleteKeys, TEST_REDIS_URL } from '../helpers/redis.js';
import { job, jobQueueContract } from './job-queue.contract.js';

/** A BullMQ key prefix no other run uses. */
function uniquePrefix(): string {
  return `quire-test-${randomBytes(6).toString('hex')}`;
}

function open(
  fixture: DatabaseFixture,
  prefix: string,
  extra: Partial<BullmqJobQueueOptions> = {},
): JobQueue {
  return createBullmqJobQueue({
    database: fixture.database,
    connection: { url: TEST_REDIS_URL },
    prefix,
    onError: (error, context) => {
      // Redis being briefly unreachable is not expected here: make it visible.
      console.error(`job queue (${context}):`, error);
    },
    ...extra,
  });
}

for (const target of DATABASE_TARGETS) {
  jobQueueContract({
    name: `BullMQ (${target.name})`,
    async open() {
      const fixture = await target.open();
      const prefix = uniquePrefix();
      const queue = open(fixture, prefix);
      return {
        queue,
        uow: createSqlUnitOfWork(fixture.database),
        async dispose() {
          await queue.close();
          await deleteKeys(prefix);
          await fixture.dispose();
        },
      };
    },
  });

  describe(`BullMQ job queue across processes (${target.name})`, () => {
    let fixture: DatabaseFixture;
    let uow: UnitOfWork;
    const prefixes: string[] = [];
    const opened: JobQueue[] = [];
    /** One adapter per simulated process, all on the same database and Redis prefix. */
    function processes(count: number, extra: Partial<BullmqJobQueueOptions> = {}): JobQueue[] {
      const prefix = uniquePrefix();
      prefixes.push(prefix);
      const queues = Array.from({ length: count }, () => open(fixture, prefix, extra));
      opened.push(...queues);
      return queues;
    }

    before(async () => {
      fixture = await target.open();
      uow = createSqlUnitOfWork(fixture.database);
    });
    after(async () => {
      await Promise.all(opened.map((queue) => queue.close()));
      for (const prefix of prefixes) await deleteKeys(prefix);
      await fixture.dispose();
    });

    it('two processes race for one job, enqueued by both: exactly one wins, once', async () => {
      const [a, b] = processes(2) as [JobQueue, JobQueue];
      const queued = job();
      await uow.stores.jobs.insert(queued);
      await Promise.all([a.enqueue([queued]), b.enqueue([queued]), a.enqueue([queued])]);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? a : b).reserve(['fetch'], `p${i % 2}-w${i}`, 10_000),
        ),
      );
      const winners = results.filter((record) => record !== null);
      assert.equal(winners.length, 1, 'exactly one reservation');
      assert.equal(winners[0]?.id, queued.id);
      const index = results.findIndex((record) => record !== null);
      const owner = `p${index % 2}-w${index}`;
      const holder = index % 2 === 0 ? a : b;
      assert.equal(await a.reserve(['fetch'], 'late-a', 10_000), null);
      assert.equal(await b.reserve(['fetch'], 'late-b', 10_000), null);
      assert.equal(
        await uow.stores.jobs.complete(queued.id, owner, new Date().toISOString()),
        true,
      );
      await holder.completed(queued.id, owner);
      assert.equal(await a.reserve(['fetch'], 'after-a', 10_000), null);
      assert.equal(await b.reserve(['fetch'], 'after-b', 10_000), null);
      assert.equal((await uow.stores.jobs.get('acme', queued.id))?.attempts, 1);
    });

    it('a job committed by a process that died before enqueueing it is swept into the queue', async () => {
      let later = 0; // the clock moves forward by this much
      const [worker] = processes(1, {
        sweepGraceMs: 5_000,
        sweepIntervalMs: 50,
        now: () => Date.now() + later,
      }) as [JobQueue];
      // Webhook jobs: no other test here leaves one behind.
      const orphan = job({
        type: 'webhook',
        next_attempt_at: new Date(Date.now() - 10_000).toISOString(),
      });
      await uow.stores.jobs.insert(orphan); // committed; `enqueue` never ran
      const fresh = job({ type: 'webhook' });
      await uow.stores.jobs.insert(fresh); // committed just now: within the grace period
      const first = await worker.reserve(['webhook'], 'w', 10_000);
      assert.equal(first?.id, orphan.id, 'the orphan is found by the sweep');
      assert.equal(await worker.reserve(['webhook'], 'w', 10_000), null, 'not yet the fresh one');
      later = 6_000;
      assert.equal((await worker.reserve(['webhook'], 'w', 10_000))?.id, fresh.id);
    });

    it('a running job Redis lost is swept back once its lease runs out', async () => {
      const [a, b] = processes(2, { leaseMs: 150, sweepIntervalMs: 50 }) as [JobQueue, JobQueue];
      const queued = job();
      await uow.stores.jobs.insert(queued);
      await a.enqueue([queued]);
      assert.equal((await a.reserve(['fetch'], 'a', 150))?.id, queued.id);
      // Redis loses everything (a failover without persistence), and process a dies.
      await deleteKeys(prefixes.at(-1) ?? '');
      await sleep(250);
      const taken = await b.reserve(['fetch'], 'b', 10_000);
      assert.deepEqual([taken?.id, taken?.attempts], [queued.id, 2]);
      assert.equal(await a.heartbeat(queued.id, 'a', 150), false);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'b', new Date().toISOString()), true);
      await b.completed(queued.id, 'b');
    });

    it('a job whose process died is taken over by another process once its lease runs out', async () => {
      const [a, b] = processes(2, { leaseMs: 150 }) as [JobQueue, JobQueue];
      const queued = job();
      await uow.stores.jobs.insert(queued);
      await a.enqueue([queued]);
      assert.equal((await a.reserve(['fetch'], 'a', 150))?.id, queued.id);
      await a.close(); // a dies holding the job: nothing extends its lock or lease
      assert.equal(await b.reserve(['fetch'], 'b', 150), null, 'not while the lease holds');
      await sleep(250);
      const taken = await b.reserve(['fetch'], 'b', 150);
      assert.deepEqual([taken?.id, taken?.attempts], [queued.id, 2]);
      assert.equal(await b.heartbeat(queued.id, 'b', 150), true);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'a', new Date().toISOString()), false);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'b', new Date().toISOString()), true);
      await b.completed(queued.id, 'b');
      assert.equal(await b.reserve(['fetch'], 'b', 150), null);
    });

    it('with Redis unreachable: reserve fails fast, enqueue and cancel still answer, close is quick', async () => {
      const errors: string[] = [];
      const offline = createBullmqJobQueue({
        database: fixture.database,
        connection: { url: 'redis://127.0.0.1:1', connectTimeout: 200 },
        prefix: uniquePrefix(),
        operationTimeoutMs: 500,
        onError: (_error, context) => errors.push(context),
      });
      const queued = job();
      await uow.stores.jobs.insert(queued);
      const started = Date.now();
      await offline.enqueue([queued]); // committed in SQL: the sweep adds it when Redis is back
      await assert.rejects(offline.reserve(['fetch'], 'w', 10_000));
      await assert.rejects(offline.reserve(['fetch'], 'w', 10_000));
      assert.equal((await offline.cancel('acme', queued.id))?.status, 'cancelled');
      await offline.close();
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      assert.ok(errors.some((context) => context.startsWith('enqueue')));
    });

    it('a retried job waits in Redis until its retry time, and a deleted job is dropped', async () => {
      const [worker] = processes(1) as [JobQueue];
      const queued = job();
      await uow.stores.jobs.insert(queued);
      await worker.enqueue([queued]);
      await worker.reserve(['fetch'], 'w', 10_000);
      await worker.fail(
        queued.id,
        'w',
        { code: 'FETCH_FAILED', message: '503', retryable: true },
        new Date(Date.now() + 200).toISOString(),
      );
      assert.equal(await worker.reserve(['fetch'], 'w', 10_000), null, 'not before retryAt');
      await sleep(250);
      assert.equal((await worker.reserve(['fetch'], 'w', 10_000))?.attempts, 2);

      const doomed = job({ document_id: 'doc_gone' });
      await uow.stores.jobs.insert(doomed);
      await worker.enqueue([doomed]);
      await uow.stores.jobs.deleteForDocument('acme', 'doc_gone');
      assert.equal(await worker.reserve(['fetch'], 'w', 10_000), null);
    });

    it('an upgrade that moves the BullMQ prefix (bull → <QUIRE_REDIS_PREFIX>:bull) loses no queued job', async () => {
      const [old] = processes(1) as [JobQueue];
      const queued = job({ type: 'webhook' });
      await uow.stores.jobs.insert(queued);
      await old.enqueue([queued]);
      await old.close(); // the old version stops; its BullMQ job stays under the old prefix
      const [upgraded] = processes(1, { sweepGraceMs: 200, sweepIntervalMs: 50 }) as [JobQueue];
      const deadline = Date.now() + 5_000;
      let taken = await upgraded.reserve(['webhook'], 'upgraded', 10_000);
      while (taken?.id !== queued.id && Date.now() < deadline) {
        await sleep(50);
        taken = await upgraded.reserve(['webhook'], 'upgraded', 10_000);
      }
      assert.equal(taken?.id, queued.id, 'the sweep offered the row under the new prefix');
      assert.equal(taken?.attempts, 1);
    });

    it('check answers while Redis does, and fails at once while it is unreachable', async () => {
      const [online] = processes(1) as [JobQueue];
      await online.check(AbortSignal.timeout(5_000));
      const offline = createBullmqJobQueue({
        database: fixture.database,
        connection: { url: 'redis://127.0.0.1:1', connectTimeout: 200 },
        prefix: uniquePrefix(),
        operationTimeoutMs: 500,
        onError: () => undefined,
      });
      try {
        await assert.rejects(offline.check(AbortSignal.timeout(5_000)), /Redis|ECONNREFUSED/);
      } finally {
        await offline.close();
      }
    });
  });
}
