/**
 * The JobQueue contract, for every adapter: reserve under a lease, one winner per job, a dead
 * worker's job picked up again when its lease runs out, at-most-once completion, retry / failed /
 * dead, hand-back on shutdown, lanes, progress, cancel and retry. Records are read through the
 * JobStore, which every configuration keeps in SQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { JobRecord } from '../../src/ports/job-store.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';
import { jobRecord } from './job-store.contract.js';

export interface JobQueueFixture {
  queue: JobQueue;
  uow: UnitOfWork;
  dispose(): Promise<void>;
}

export interface JobQueueFactory {
  name: string;
  open(): Promise<JobQueueFixture>;
}

/** A queued fetch job of tenant `acme`. */
export function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return jobRecord('acme', overrides);
}

export function jobQueueContract(factory: JobQueueFactory): void {
  describe(`JobQueue contract: ${factory.name}`, () => {
    let fixture: JobQueueFixture;
    let queue: JobQueue;
    let uow: UnitOfWork;
    before(async () => {
      fixture = await factory.open();
      queue = fixture.queue;
      uow = fixture.uow;
    });
    after(() => fixture.dispose());

    /** Commits a job and tells the queue, as the services do. */
    async function submit(record: JobRecord): Promise<JobRecord> {
      await uow.stores.jobs.insert(record);
      await queue.enqueue([record]);
      return record;
    }

    /** Drains what earlier tests left due, so each test sees only its own jobs. */
    async function drain(): Promise<void> {
      while ((await queue.reserve(['fetch', 'extract', 'webhook'], 'drain', 60_000)) !== null);
    }

    it('check answers while the queue can take jobs', async () => {
      await queue.check(AbortSignal.timeout(5_000));
    });

    it('reserves a due job once, with a lease, counting the attempt', async () => {
      await drain();
      const queued = job();
      await submit(queued);
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

    it('tells its enqueue listeners of jobs due now, not of delayed ones, until unsubscribed', async () => {
      await drain();
      let told = 0;
      const unsubscribe = queue.onEnqueued(() => told++);
      await submit(job({ next_attempt_at: new Date(Date.now() + 60_000).toISOString() }));
      assert.equal(told, 0, 'a delayed job wakes nobody');
      const due = await submit(job());
      assert.equal(told, 1);
      // Told after the job can be reserved: a worker woken now finds it.
      assert.equal((await queue.reserve(['fetch'], 'w', 10_000))?.id, due.id);
      unsubscribe();
      await submit(job());
      assert.equal(told, 1, 'an unsubscribed listener is not told');
    });

    it('does not reserve a job before its next attempt time, nor of another type', async () => {
      await drain();
      await submit(job({ next_attempt_at: new Date(Date.now() + 60_000).toISOString() }));
      await submit(job({ type: 'extract' }));
      assert.equal(await queue.reserve(['fetch'], 'w', 10_000), null);
    });

    it('a crashed worker’s job is reserved again once its lease runs out; only the new owner completes it', async () => {
      await drain();
      const queued = job();
      await submit(queued);
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
      // Every other write of the old owner (a late finisher) is refused too.
      const late = { code: 'INTERNAL', message: 'late', retryable: true } as const;
      assert.equal(
        await queue.progress(queued.id, 'crashed', { done: 1, total: 2, unit: 'pages' }),
        false,
      );
      await queue.fail(queued.id, 'crashed', late, at);
      await queue.requeue(queued.id, 'crashed');
      const taken = await uow.stores.jobs.get('acme', queued.id);
      assert.deepEqual(
        {
          status: taken?.status,
          attempts: taken?.attempts,
          error: taken?.error,
          done: taken?.progress.done,
          workers: taken?.workers,
        },
        { status: 'running', attempts: 2, error: null, done: 0, workers: ['crashed', 'rescuer'] },
        'the new owner’s row is untouched',
      );
      assert.equal(await uow.stores.jobs.complete(queued.id, 'rescuer', at), true);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'rescuer', at), false, 'at most once');
      assert.equal((await uow.stores.jobs.get('acme', queued.id))?.status, 'succeeded');
    });

    it('heartbeats keep the lease', async () => {
      await drain();
      const queued = job();
      await submit(queued);
      await queue.reserve(['fetch'], 'busy', 200);
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        assert.equal(await queue.heartbeat(queued.id, 'busy', 200), true);
      }
      assert.equal(await queue.reserve(['fetch'], 'thief', 10_000), null);
      // Settled, so its short lease cannot run out under a later test and be reserved there.
      const at = new Date().toISOString();
      assert.equal(await uow.stores.jobs.complete(queued.id, 'busy', at), true);
      await queue.completed(queued.id, 'busy');
    });

    it('retries a retryable failure, then marks it dead when attempts run out; a permanent failure fails at once', async () => {
      await drain();
      const queued = job({ max_attempts: 2 });
      await submit(queued);
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
      await submit(permanent);
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
      await submit(queued);
      await queue.reserve(['fetch'], 'stopping', 10_000);
      await queue.requeue(queued.id, 'stopping');
      const back = await uow.stores.jobs.get('acme', queued.id);
      assert.deepEqual([back?.status, back?.attempts], ['queued', 0]);
      assert.equal((await queue.reserve(['fetch'], 'next', 10_000))?.id, queued.id);
    });

    it('takes small-lane jobs first, and only the lanes asked for', async () => {
      await drain();
      const large = await submit(job({ type: 'extract', lane: 'large' }));
      const small = await submit(job({ type: 'extract', lane: 'small' }));
      assert.equal(
        (await queue.reserve(['extract'], 'w', 10_000, { lanes: ['large'] }))?.id,
        large.id,
      );
      assert.equal(await queue.reserve(['extract'], 'w', 10_000, { lanes: ['large'] }), null);
      assert.equal((await queue.reserve(['extract'], 'w', 10_000))?.id, small.id);

      const big = await submit(job({ type: 'extract', lane: 'large' }));
      const little = await submit(job({ type: 'extract', lane: 'small' }));
      assert.equal((await queue.reserve(['extract'], 'w', 10_000))?.id, little.id, 'small first');
      assert.equal((await queue.reserve(['extract'], 'w', 10_000))?.id, big.id);
    });

    it('records progress for the owner only', async () => {
      await drain();
      const queued = await submit(job({ type: 'extract' }));
      await queue.reserve(['extract'], 'owner', 10_000);
      assert.equal(
        await queue.progress(queued.id, 'owner', { done: 3, total: 10, unit: 'pages' }),
        true,
      );
      assert.equal(
        await queue.progress(queued.id, 'intruder', { done: 9, total: 10, unit: 'pages' }),
        false,
      );
      const record = await uow.stores.jobs.get('acme', queued.id);
      assert.deepEqual(record?.progress, { done: 3, total: 10, unit: 'pages' });
    });

    it('cancels a queued job: it is never reserved', async () => {
      await drain();
      const queued = await submit(job());
      const cancelled = await queue.cancel('acme', queued.id);
      assert.equal(cancelled?.status, 'cancelled');
      assert.equal(cancelled?.error?.code, 'CANCELLED');
      assert.equal(await queue.reserve(['fetch'], 'w', 10_000), null);
      assert.equal(await queue.cancel('other-tenant', queued.id), null, 'tenant-scoped');
    });

    it('cancels a running job: its owner loses the lease and cannot complete it', async () => {
      await drain();
      const queued = await submit(job());
      await queue.reserve(['fetch'], 'busy', 10_000);
      assert.equal((await queue.cancel('acme', queued.id))?.status, 'cancelled');
      assert.equal(await queue.heartbeat(queued.id, 'busy', 10_000), false);
      assert.equal(
        await uow.stores.jobs.complete(queued.id, 'busy', new Date().toISOString()),
        false,
      );
      await queue.fail(
        queued.id,
        'busy',
        { code: 'FETCH_FAILED', message: 'x', retryable: true },
        null,
      );
      assert.equal((await uow.stores.jobs.get('acme', queued.id))?.status, 'cancelled');
      assert.equal(await queue.reserve(['fetch'], 'w', 10_000), null);
    });

    it('leaves a settled job alone on cancel; retries a dead job with fresh attempts', async () => {
      await drain();
      const queued = await submit(job({ max_attempts: 1 }));
      await queue.reserve(['fetch'], 'w', 10_000);
      await queue.fail(
        queued.id,
        'w',
        { code: 'FETCH_FAILED', message: 'x', retryable: true },
        null,
      );
      assert.equal((await uow.stores.jobs.get('acme', queued.id))?.status, 'dead');
      assert.equal((await queue.cancel('acme', queued.id))?.status, 'dead');

      const retried = await queue.retry('acme', queued.id);
      assert.deepEqual(
        [retried?.status, retried?.attempts, retried?.error, retried?.workers],
        ['queued', 0, null, []],
        'a retry starts a fresh list of attempts and of their workers',
      );
      if (retried !== null) await queue.enqueue([retried]);
      const again = await queue.reserve(['fetch'], 'w', 10_000);
      assert.deepEqual([again?.id, again?.attempts, again?.workers], [queued.id, 1, ['w']]);
      assert.equal(await uow.stores.jobs.complete(queued.id, 'w', new Date().toISOString()), true);
      await queue.completed(queued.id, 'w');
      assert.equal((await queue.retry('acme', queued.id))?.status, 'succeeded', 'not retried');
      assert.equal(await queue.retry('other-tenant', queued.id), null);
    });

    it('lists a tenant’s jobs newest first with filters, and counts by status', async () => {
      await drain();
      const tenant = `t${Date.now()}`;
      const first = await submit(job({ tenant_id: tenant, document_id: 'doc_a' }));
      const second = await submit(
        job({ tenant_id: tenant, type: 'extract', document_id: 'doc_b' }),
      );
      const third = await submit(job({ tenant_id: tenant, document_id: 'doc_a' }));
      const { data: all } = await uow.stores.jobs.list(tenant, {}, 10, null);
      assert.deepEqual(
        all.map((j) => j.id),
        [first.id, second.id, third.id].sort().reverse(),
      );
      const { data: ofA } = await uow.stores.jobs.list(tenant, { document_id: 'doc_a' }, 10, null);
      assert.equal(ofA.length, 2);
      const { data: extracts } = await uow.stores.jobs.list(tenant, { type: 'extract' }, 10, null);
      assert.deepEqual(
        extracts.map((j) => j.id),
        [second.id],
      );
      const page = await uow.stores.jobs.list(tenant, {}, 1, all[0]?.id ?? null);
      assert.deepEqual(
        page.data.map((j) => j.id),
        [all[1]?.id],
      );
      assert.equal(page.next_cursor, all[1]?.id, 'a full page says where the next one starts');
      const counts = await uow.stores.jobs.countByStatus();
      assert.ok(counts.queued >= 3);
      assert.equal(typeof counts.dead, 'number');
    });
  });
}
