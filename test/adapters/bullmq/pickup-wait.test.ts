/**
 * Queue wait in BullMQ mode (PostgreSQL + Redis): jobs committed and enqueued one by one, spaced
 * over time, to idle workers (one runner per job type sharing one queue and owner, as a `quire
 * worker` process runs them) are each started within a second of being due: new jobs from their
 * enqueue, retried ones (delayed in BullMQ) from their `next_attempt_at`. The distribution is
 * printed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBullmqJobQueue } from '../../../src/adapters/bullmq/job-queue.js';
import { createSqlUnitOfWork } from '../../../src/adapters/sql/unit-of-work.js';
import type { JobQueue } from '../../../src/ports/job-queue.js';
import type { JobRecord, JobType } from '../../../src/ports/job-store.js';
import type { UnitOfWork } from '../../../src/ports/unit-of-work.js';
import { Failure } from '../../../src/ports/failures.js';
import { JobRunner, type JobHandler } from '../../../src/jobs/runner.js';
import { jobRecord } from '../../contracts/job-store.contract.js';
import { DATABASE_TARGETS, tenantEnsurer, type DatabaseFixture } from '../../helpers/databases.js';
import { deleteKeys, TEST_REDIS_URL } from '../../helpers/redis.js';

const TYPES: JobType[] = ['fetch', 'extract', 'webhook'];
const JOBS = 45;
const MAX_WAIT_MS = 1_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const postgres = DATABASE_TARGETS.find((target) => target.name === 'postgres');

describe('BullMQ queue wait with idle workers (postgres)', { timeout: 120_000 }, () => {
  let fixture: DatabaseFixture;
  let uow: UnitOfWork;
  let queue: JobQueue;
  let runners: JobRunner[];
  const prefix = `quire-test-${randomBytes(6).toString('hex')}`;
  /** When each job (attempt) was due, and when its handler started it. */
  const dueAt = new Map<string, number>();
  const startedAt = new Map<string, number>();

  before(async () => {
    if (postgres === undefined) throw new Error('no postgres target');
    fixture = await postgres.open();
    await tenantEnsurer(fixture.database)('acme');
    uow = createSqlUnitOfWork(fixture.database);
    queue = createBullmqJobQueue({
      database: fixture.database,
      connection: { url: TEST_REDIS_URL },
      prefix,
      leaseMs: 30_000,
      onError: (error, context) => console.error(`job queue (${context}):`, error),
    });
    const owner = `pickup-${randomBytes(4).toString('hex')}`;
    runners = TYPES.map((type) => {
      const handler: JobHandler = {
        types: [type],
        unexpected: { code: 'INTERNAL', message: 'unexpected', retryable: false },
        async run(job, context) {
          const key = `${job.id}#${job.attempts}`;
          startedAt.set(key, Date.now());
          if (job.attempts > 1) dueAt.set(key, Date.parse(job.next_attempt_at));
          await sleep(5);
          // Every third job fails its first attempt: its retry waits delayed in BullMQ.
          if (job.attempts === 1 && job.payload.retry === true)
            throw new Failure('FETCH_FAILED', 'first attempt fails', { retryable: true });
          await uow.stores.jobs.complete(job.id, context.owner, new Date().toISOString());
          await queue.completed(job.id, context.owner);
        },
      };
      return new JobRunner({
        queue,
        handler,
        owner,
        concurrency: 2,
        leaseMs: 30_000,
        pollMs: 250,
        retryBaseMs: 700,
      });
    });
    for (const runner of runners) runner.start();
  });

  after(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await queue.close();
    await deleteKeys(prefix);
    await fixture.dispose();
  });

  it(`${JOBS} jobs spaced over time, and their retries, each start within ${MAX_WAIT_MS} ms of being due`, async (t) => {
    const jobs: JobRecord[] = [];
    for (let i = 0; i < JOBS; i++) {
      const record = jobRecord('acme', {
        type: TYPES[i % TYPES.length] as JobType,
        payload: { retry: i % 3 === 1 },
      });
      await uow.stores.jobs.insert(record);
      dueAt.set(`${record.id}#1`, Date.now());
      await queue.enqueue([record]);
      jobs.push(record);
      await sleep(100 + ((i * 137) % 600)); // 100–700 ms apart: workers go idle in between
    }
    const attempts = JOBS + jobs.filter((record) => record.payload.retry === true).length;
    const deadline = Date.now() + 30_000;
    while (startedAt.size < attempts && Date.now() < deadline) await sleep(50);
    const waits = [...dueAt.keys()]
      .map((key) => (startedAt.get(key) ?? Infinity) - (dueAt.get(key) ?? 0))
      .sort((a, b) => a - b);
    assert.equal(waits.length, attempts, 'every first attempt and every retry started');
    const row = [50, 90, 99, 100].map((p) => `p${p} ${percentile(waits, p)} ms`).join(', ');
    t.diagnostic(`queue wait of ${waits.length} attempts with idle workers: ${row}`);
    assert.ok(
      percentile(waits, 100) < MAX_WAIT_MS,
      `every job starts within ${MAX_WAIT_MS} ms: ${row}`,
    );
  });
});
