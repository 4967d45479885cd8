/**
 * A fetch that answers after its worker gave up on it (issue 12, defect 17: a job waited 17–18 s
 * for an idle worker). Redis executes a worker's fetch even when the answer comes after the
 * worker's operation timeout: the job is then active under that fetch's lock while nobody runs it,
 * and BullMQ would hand it back only once the lock ran out (two leases, 16 s by default) and its
 * stalled-job check came round (up to half a lease more): 16–20 s with an idle worker beside it.
 * Here one queue reaches Redis through a proxy that holds its commands past its operation timeout;
 * the job must be taken by the other, direct, queue within seconds of the slow fetch being given
 * up, the lease being the default one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBullmqJobQueue, queueName } from '../../../src/adapters/bullmq/job-queue.js';
import { RedisTimeout } from '../../../src/adapters/bullmq/redis-link.js';
import { createSqlUnitOfWork } from '../../../src/adapters/sql/unit-of-work.js';
import type { JobQueue } from '../../../src/ports/job-queue.js';
import type { JobRecord } from '../../../src/ports/job-store.js';
import { jobRecord } from '../../contracts/job-store.contract.js';
import { DATABASE_TARGETS, tenantEnsurer, type DatabaseFixture } from '../../helpers/databases.js';
import { deleteKeys, TEST_REDIS_URL, testRedis } from '../../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const LEASE_MS = 8_000; // QUIRE_JOB_LEASE_MS's default
const OPERATION_TIMEOUT_MS = 300;
/** How long the proxy holds the slow queue's commands: past its operation timeout. */
const HELD_MS = 900;
/** The other queue must have the job this soon after the slow fetch was given up. */
const TAKEN_WITHIN_MS = 3_000;
/** Long enough to see the lock run out and the stalled check hand the job back (the bug). */
const GIVE_UP_MS = 25_000;

const postgres = DATABASE_TARGETS.find((target) => target.name === 'postgres');

/** Resolves once the job is in its BullMQ queue's active list (fails after 5 s). */
async function untilActive(queueKey: string, jobId: string): Promise<void> {
  const redis = testRedis();
  try {
    const deadline = Date.now() + 5_000;
    while ((await redis.lpos(`${queueKey}:active`, jobId)) === null) {
      assert.ok(Date.now() < deadline, `job ${jobId} never became active`);
      await sleep(20);
    }
  } finally {
    redis.disconnect();
  }
}

describe('BullMQ: a fetch answered after its worker gave up', { timeout: 60_000 }, () => {
  let fixture: DatabaseFixture;
  let proxy: TcpProxy;
  let slow: JobQueue;
  let direct: JobQueue;
  const prefix = `quire-test-${randomBytes(6).toString('hex')}`;
  const reported: string[] = [];

  before(async () => {
    if (postgres === undefined) throw new Error('no postgres target');
    fixture = await postgres.open();
    await tenantEnsurer(fixture.database)('acme');
    const redisUrl = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    const throughProxy = new URL(TEST_REDIS_URL);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    const options = { database: fixture.database, prefix, leaseMs: LEASE_MS };
    slow = createBullmqJobQueue({
      ...options,
      connection: { url: throughProxy.toString() },
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
      onError: (_error, context) => reported.push(context),
    });
    direct = createBullmqJobQueue({ ...options, connection: { url: TEST_REDIS_URL } });
    // Both connected, checked and holding their BullMQ worker before Redis gets slow.
    assert.equal(await slow.reserve(['extract'], 'slow-worker', LEASE_MS), null);
    assert.equal(await direct.reserve(['extract'], 'idle-worker', LEASE_MS), null);
  });

  after(async () => {
    proxy.delay(0);
    await Promise.all([slow.close(), direct.close()]);
    await proxy.close();
    await deleteKeys(prefix);
    await fixture.dispose();
  });

  it(`the idle worker takes the job within ${TAKEN_WITHIN_MS} ms, not when the lock runs out`, async (t) => {
    const record = jobRecord('acme', { type: 'extract' });
    await createSqlUnitOfWork(fixture.database).stores.jobs.insert(record);
    await direct.enqueue([record]);

    proxy.delay(HELD_MS);
    await assert.rejects(slow.reserve(['extract'], 'slow-worker', LEASE_MS), RedisTimeout);
    const gaveUp = Date.now();
    // The late fetch reaches Redis and takes the job there, for a worker that no longer waits.
    await untilActive(`${prefix}:${queueName('extract', 'small')}`, record.id);
    proxy.delay(0);

    let taken: JobRecord | null = null;
    while (taken === null && Date.now() - gaveUp < GIVE_UP_MS) {
      taken = await direct.reserve(['extract'], 'idle-worker', LEASE_MS);
      if (taken === null) await sleep(50);
    }
    const waitedMs = Date.now() - gaveUp;
    t.diagnostic(`taken by the idle worker ${waitedMs} ms after the slow fetch was given up`);
    assert.ok(taken !== null, `the job was never taken (${GIVE_UP_MS} ms)`);
    assert.equal(taken.id, record.id);
    assert.equal(taken.attempts, 1, 'the slow worker never claimed it');
    assert.ok(waitedMs < TAKEN_WITHIN_MS, `taken ${waitedMs} ms after the fetch was given up`);
    // Operators see it in the logs (the runner itself only polls again). The hand-back itself may
    // be reported too: it was sent while the proxy still held commands past the timeout.
    assert.ok(
      reported.includes(`fetching a job (its late answer locked job ${record.id}: handed back)`),
      `reported: ${reported.join('; ')}`,
    );
    await direct.completed(record.id, 'idle-worker');
  });
});
