/**
 * The SQL job queue on both dialects: reserve under a lease, one winner per job, a dead worker's
 * job picked up again when its lease runs out, at-most-once completion, retry / failed / dead,
 * and hand-back on shutdown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqlJobQueue } from '../../src/adapters/sql/job-queue.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import { newId } from '../../src/domain/ids.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { JobRecord } from '../../src/ports/job-store.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';
import { DATABASE_TARGETS, type DatabaseFixture } from '../helpers/databases.js';

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  const at = new Date().toISOString();
  return {
    id: newId('job'),
    tenant_id: 'acme',
    document_id: null,
    type: 'fetch',
    status: 'queued',
    attempts: 0,
    max_attempts: 3,
    payload: { url: 'https://example.com' },
    progress: { done: 0, total: 0, unit: 'bytes' },
    error: null,
    request_id: null,
    next_attempt_at: at,
    created_at: at,
    started_at: null,
    finished_at: null,
    ...overrides,
  };
}

for (const target of DATABASE_TARGETS) {
  describe(`SQL job queue: ${target.name}`, () => {
    let fixture: DatabaseFixture;
    let queue: JobQueue;
    let uow: UnitOfWork;
    before(async () => {
      fixture = await target.open();
      queue = createSqlJobQueue(fixture.database);
      uow = createSqlUnitOfWork(fixture.database);
    });
    after(() => fixture.dispose());

    /** Drains what earlier tests left due, so each test sees only its own jobs. */
    async function drain(): Promise<void> {
      while ((await queue.reserve(['fetch', 'extract'], 'drain', 60_000)) !== null);
    }

    it('reserves a due job once, with a lease, counting the attempt', async () => {
      await drain();
      const queued = job();
      await uow.stores.jobs.insert(queued);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => queue.reserve(['fetch'], `w${i}`, 10_000)),
      );
      const winners = results.filter((r) => r !== null);
      assert.equal(winners.length, 1, 'exactly one worker gets it');
      assert.equal(winners[0]?.id, queued.id);
      assert.equal(winners[0]?.status, 'running');
      assert.equal(winners[0]?.attempts, 1);
      assert.equal(await queue.reserve(['fetch'], 'late', 10_000), null);
    });

    it('does not reserve a job before its next attempt time, nor of another type', async () => {
      await drain();
      await uow.stores.jobs.insert(
        job({ next_attempt_at: new Date(Date.now() + 60_000).toISOString() }),
      );
      await uow.stores.jobs.insert(job({ type: 'extract' }));
      assert.equal(await queue.reserve(['fetch'], 'w', 10_000), null);
    });

    it('a crashed worker’s job is reserved again once its lease runs out; only the new owner completes it', async () => {
      await drain();
      const queued = job();
      await uow.stores.jobs.insert(queued);
      const first = await queue.reserve(['fetch'], 'crashed', 150);
      assert.equal(first?.id, queued.id);
      assert.equal(
        await queue.reserve(['fetch'], 'rescuer', 10_000),
        null,
        'not while the lease holds',
      );
      await sleep(250);
      const second = await queue.reserve(['fetch'], 'rescuer', 10_000);
      assert.equal(second?.id, queued.id);
      assert.equal(second?.attempts, 2);
      const at = new Date().toISOString();
      assert.equal(
        await uow.stores.jobs.complete(queued.id, 'crashed', at),
        false,
        'the old owner cannot complete it',
      );
      assert.equal(await queue.heartbeat(queued.id, 'crashed', 10_000), false);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'rescuer', at), true);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'rescuer', at), false, 'at most once');
      assert.equal((await uow.stores.jobs.get('acme', queued.id))?.status, 'succeeded');
    });

    it('heartbeats keep the lease', async () => {
      await drain();
      const queued = job();
      await uow.stores.jobs.insert(queued);
      await queue.reserve(['fetch'], 'busy', 200);
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        assert.equal(await queue.heartbeat(queued.id, 'busy', 200), true);
      }
      assert.equal(await queue.reserve(['fetch'], 'thief', 10_000), null);
    });

    it('retries a retryable failure, then marks it dead when attempts run out; a permanent failure fails at once', async () => {
      await drain();
      const queued = job({ max_attempts: 2 });
      await uow.stores.jobs.insert(queued);
      await queue.reserve(['fetch'], 'w', 10_000);
      await queue.fail(
        queued.id,
        'w',
        { code: 'FETCH_FAILED', message: '503', retryable: true },
        new Date(Date.now() + 50).toISOString(),
      );
      const retried = await uow.stores.jobs.get('acme', queued.id);
      assert.equal(retried?.status, 'queued');
      assert.equal(retried?.error?.code, 'FETCH_FAILED');
      await sleep(80);
      assert.equal((await queue.reserve(['fetch'], 'w', 10_000))?.attempts, 2);
      await queue.fail(
        queued.id,
        'w',
        { code: 'FETCH_FAILED', message: '503', retryable: true },
        new Date().toISOString(),
      );
      const dead = await uow.stores.jobs.get('acme', queued.id);
      assert.equal(dead?.status, 'dead');
      assert.ok(dead?.finished_at);

      const permanent = job();
      await uow.stores.jobs.insert(permanent);
      await queue.reserve(['fetch'], 'w', 10_000);
      await queue.fail(
        permanent.id,
        'w',
        { code: 'URL_NOT_ALLOWED', message: 'no', retryable: false },
        null,
      );
      assert.equal((await uow.stores.jobs.get('acme', permanent.id))?.status, 'failed');
    });

    it('requeue hands a job back without counting the attempt', async () => {
      await drain();
      const queued = job();
      await uow.stores.jobs.insert(queued);
      await queue.reserve(['fetch'], 'stopping', 10_000);
      await queue.requeue(queued.id, 'stopping');
      const back = await uow.stores.jobs.get('acme', queued.id);
      assert.deepEqual([back?.status, back?.attempts], ['queued', 0]);
      assert.equal((await queue.reserve(['fetch'], 'next', 10_000))?.id, queued.id);
    });
  });
}
