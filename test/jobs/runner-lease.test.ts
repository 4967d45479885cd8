/**
 * A live worker that can no longer keep its lease lets go of the job, and a late finisher writes
 * nothing: two runners (two lease owners, as two processes would be) on one real SQL queue. One's
 * event loop stalls past its lease, or its database goes away; the other takes the job over and
 * its result is the only one stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqlJobQueue } from '../../src/adapters/sql/job-queue.js';
import { migrateToLatest } from '../../src/adapters/sql/migrate.js';
import { openPostgres } from '../../src/adapters/postgres/database.js';
import { createSqlUnitOfWork } from '../../src/adapters/sql/unit-of-work.js';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';
import { JobRunner, LeaseLost, type JobHandler, type JobOutcome } from '../../src/jobs/runner.js';
import type { JobRecord } from '../../src/ports/job-store.js';
import type { UnitOfWork } from '../../src/ports/unit-of-work.js';
import { job } from '../contracts/job-queue.contract.js';
import { createPostgresSchema, DATABASE_TARGETS } from '../helpers/databases.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const LEASE_MS = 400;

/** A deferred value: a promise and what settles it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    // Unref'd: the deadline of a promise that settled in time must not keep the file running.
    sleep(ms, undefined, { ref: false }).then(() =>
      assert.fail(`${what} did not happen within ${ms} ms`),
    ),
  ]);
}

/** Blocks the event loop, as a long synchronous step or a GC pause would. */
function stallEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A runner of fetch jobs whose settled outcomes are collected. */
function runner(
  database: SqlDatabase,
  owner: string,
  handler: JobHandler['run'],
  outcomes: JobOutcome[],
): JobRunner {
  return new JobRunner({
    queue: createSqlJobQueue(database),
    owner,
    concurrency: 1,
    leaseMs: LEASE_MS,
    pollMs: 20,
    retryBaseMs: 60_000,
    handler: {
      types: ['fetch'],
      unexpected: { code: 'INTERNAL', message: 'unexpected', retryable: true },
      run: handler,
    },
    onSettled: (_job, outcome) => outcomes.push(outcome),
  });
}

async function submit(uow: UnitOfWork): Promise<JobRecord> {
  const record = job();
  await uow.stores.jobs.insert(record);
  return record;
}

for (const target of DATABASE_TARGETS) {
  describe(`job leases on ${target.name}`, { timeout: 30_000 }, () => {
    it('a worker whose event loop stalls past its lease lets go, and its late completion writes nothing', async (t) => {
      const fixture = await target.open();
      t.after(() => fixture.dispose());
      const uow = createSqlUnitOfWork(fixture.database);
      const record = await submit(uow);
      const stalledStarted = deferred<void>();
      const rescuerStarted = deferred<void>();
      let abortReason: unknown;
      let lateWrite: boolean | undefined;
      const stalledOutcomes: JobOutcome[] = [];
      const rescuerOutcomes: JobOutcome[] = [];

      const stalled = runner(
        fixture.database,
        'stalled',
        async (held, { signal, owner }) => {
          stalledStarted.resolve();
          stallEventLoop(LEASE_MS * 2);
          // The other worker takes the job once this one's timers have run after the stall.
          await within(rescuerStarted.promise, 5_000, 'the takeover');
          abortReason = signal.reason;
          lateWrite = await uow.stores.jobs.complete(held.id, owner, new Date().toISOString());
          if (!lateWrite) throw new LeaseLost(held.id);
        },
        stalledOutcomes,
      );
      const rescuer = runner(
        fixture.database,
        'rescuer',
        async (held, { owner }) => {
          rescuerStarted.resolve();
          assert.equal(held.attempts, 2);
          const wrote = await uow.stores.jobs.complete(held.id, owner, new Date().toISOString());
          if (!wrote) throw new LeaseLost(held.id);
        },
        rescuerOutcomes,
      );
      stalled.start();
      await within(stalledStarted.promise, 5_000, 'the first claim');
      rescuer.start();
      await within(rescuerStarted.promise, 5_000, 'the takeover');
      for (
        let i = 0;
        i < 100 && (stalledOutcomes.length === 0 || rescuerOutcomes.length === 0);
        i++
      )
        await sleep(20);
      await Promise.all([stalled.stop(), rescuer.stop()]);

      assert.ok(abortReason instanceof LeaseLost, `aborted for ${String(abortReason)}`);
      assert.equal(lateWrite, false, 'the late completion is refused');
      assert.deepEqual(stalledOutcomes, ['lost']);
      assert.deepEqual(rescuerOutcomes, ['succeeded']);
      const settled = await uow.stores.jobs.get('acme', record.id);
      assert.equal(settled?.status, 'succeeded');
      assert.equal(settled?.attempts, 2);
    });
  });
}

describe('job leases when the database goes away', { timeout: 30_000 }, () => {
  it('a worker whose heartbeats fail abandons the job within its lease, and another takes it over', async (t) => {
    const schema = await createPostgresSchema();
    const direct = openPostgres({ url: schema.url, poolMax: 2, connectTimeoutMs: 1000 });
    await migrateToLatest(direct);
    const pgUrl = new URL(schema.url);
    const proxy = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    pgUrl.host = `127.0.0.1:${proxy.port}`;
    const proxied = openPostgres({ url: pgUrl.toString(), poolMax: 2, connectTimeoutMs: 1000 });
    t.after(async () => {
      await proxy.restore().catch(() => undefined);
      await proxied.close();
      await direct.close();
      await proxy.close();
      await schema.drop();
    });
    const uow = createSqlUnitOfWork(direct);
    const record = await submit(uow);
    const cutOffStarted = deferred<void>();
    const abandoned = deferred<number>();
    const rescuerDone = deferred<void>();
    const cutOffOutcomes: JobOutcome[] = [];
    const rescuerOutcomes: JobOutcome[] = [];

    const cutOff = runner(
      proxied,
      'cut-off',
      async (held, { signal }) => {
        cutOffStarted.resolve();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        abandoned.resolve(performance.now());
        throw signal.reason;
      },
      cutOffOutcomes,
    );
    const rescuer = runner(
      direct,
      'rescuer',
      async (held, { owner }) => {
        const wrote = await uow.stores.jobs.complete(held.id, owner, new Date().toISOString());
        rescuerDone.resolve();
        if (!wrote) throw new LeaseLost(held.id);
      },
      rescuerOutcomes,
    );
    cutOff.start();
    await within(cutOffStarted.promise, 5_000, 'the first claim');
    await proxy.cut();
    const cutAt = performance.now();
    const abandonedAt = await within(abandoned.promise, 5_000, 'abandoning the job');
    assert.ok(
      abandonedAt - cutAt <= LEASE_MS + 300,
      `abandoned ${Math.round(abandonedAt - cutAt)} ms after the cut (lease ${LEASE_MS} ms)`,
    );
    rescuer.start();
    await within(rescuerDone.promise, 5_000, 'the takeover');
    await Promise.all([cutOff.stop(), rescuer.stop()]);

    assert.deepEqual(cutOffOutcomes, ['lost']);
    assert.deepEqual(rescuerOutcomes, ['succeeded']);
    const settled = await uow.stores.jobs.get('acme', record.id);
    assert.equal(settled?.status, 'succeeded');
    assert.equal(settled?.attempts, 2);
  });
});
