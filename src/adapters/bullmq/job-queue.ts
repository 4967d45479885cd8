/**
 * The scale-out job queue: BullMQ on Redis dispatches jobs and holds their leases, so idle workers
 * ask Redis for work instead of polling SQL; the job RECORDS stay in SQL (the API reads them
 * there, and a job's results commit in the same SQL transaction that completes it).
 *
 * - One BullMQ queue per (type, lane): `quire-fetch-small`, `quire-extract-large`, … A BullMQ job
 *   carries only the SQL id (also its BullMQ jobId, so enqueueing twice adds it once). BullMQ's own
 *   retries are off: `fail` decides retry, backoff and `dead` from the SQL row, as the SQL queue.
 * - `reserve` takes the next BullMQ job (small lanes first, then `types` order), locked under a
 *   token made from `owner`, then claims the SQL row with the same conditional
 *   update as the SQL queue (`claimJob`). A BullMQ job whose row cannot be claimed is settled from
 *   what the row says: gone, settled or cancelled → removed; not yet due → delayed until it is;
 *   running under someone's live lease → delayed until that lease runs out.
 * - The BullMQ lock is the lease in Redis, the row's `lease_until` the lease in SQL: `heartbeat`
 *   extends both and answers false as soon as either is lost; every settling call moves the BullMQ
 *   job to match the row (completed → removed, retried → delayed until `retryAt`, handed back →
 *   waiting). A lock lasts twice the lease, so a heartbeat that comes late still holds the job, as
 *   it does in SQL while nobody has claimed it.
 * - The sweep (from `reserve`, at most every `sweepIntervalMs`, and every leaseMs / 2 for short
 *   leases) puts back into Redis what SQL says is due: a `running` row whose lease ran out (its
 *   worker died) gets its BullMQ job moved back to waiting although the dead worker's lock has not
 *   run out yet (or added again if Redis lost it), so a job is taken over once its lease runs out,
 *   as with the SQL queue; a `queued` row due for longer than `sweepGraceMs` is added again (a
 *   no-op for a job BullMQ has), which recovers a job whose process died between the SQL commit
 *   and `enqueue`, or that Redis lost. So Redis can lose jobs without SQL losing any.
 * - BullMQ's own stalled-job check runs too (every leaseMs / 2, never failing a job however often
 *   it stalls): once a dead worker's lock runs out it moves the job back to waiting from Redis
 *   alone.
 * - Redis must run with `maxmemory-policy noeviction` (an evicted key is a lost job or lock):
 *   checked at first use, which fails with RedisEvictionPolicyError otherwise.
 * - Redis unreachable: `reserve` fails at once (the runner tries again at its next poll);
 *   `enqueue` and `cancel` never fail the caller for it (the row is committed; the sweep adds the
 *   job later, a cancelled row is dropped when a worker meets it); `heartbeat` keeps the SQL lease
 *   of a running job (nobody can take it over through Redis meanwhile); settling calls settle the
 *   row and leave the BullMQ job to come back when its lock runs out. Calls to Redis are bounded
 *   by `operationTimeoutMs`, so nothing waits for Redis forever (shutdown included).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { JobQueue } from '../../ports/job-queue.js';
import type { JobLane, JobRecord, JobType } from '../../ports/job-store.js';
import type { SqlDatabase } from '../sql/database.js';
import { claimJob, createSqlJobQueue } from '../sql/job-queue.js';

export interface BullmqJobQueueOptions {
  /** Where the job records live (the same database as everything else). */
  database: SqlDatabase;
  /**
   * A redis:// URL and/or ioredis options (`maxRetriesPerRequest` is forced to null, as BullMQ's
   * workers need).
   */
  connection: RedisOptions & { url?: string };
  /** BullMQ's key prefix (default `bull`); tests use one per run. */
  prefix?: string;
  /** The lease workers are configured with: sizes the stalled-job check before the first reserve. */
  leaseMs?: number;
  now?: () => number;
  /** Longest pause between two sweeps (default 5 s). */
  sweepIntervalMs?: number;
  /** How long a due `queued` row may wait before the sweep adds it to Redis again (default 5 s). */
  sweepGraceMs?: number;
  /** Longest wait for one Redis call before giving up on it (default 5 s). */
  operationTimeoutMs?: number;
  /** Failures that do not fail the caller (Redis unreachable, a sweep that failed…). */
  onError?: (error: unknown, context: string) => void;
}

/** Redis would evict keys under memory pressure: BullMQ would silently lose jobs and locks. */
export class RedisEvictionPolicyError extends Error {
  constructor(policy: string) {
    super(
      `Redis runs with maxmemory-policy ${policy}; the job queue needs "noeviction" ` +
        '(set it in redis.conf or with CONFIG SET maxmemory-policy noeviction)',
    );
    this.name = 'RedisEvictionPolicyError';
  }
}

interface JobData {
  id: string;
}

type BullJob = Job<JobData>;

/** A BullMQ job this process holds: the lock token proves it in Redis. */
interface Held {
  job: BullJob;
  token: string;
  /** When the lease runs out unless extended (entries long past it are dropped). */
  until: number;
}

/** What settling a BullMQ job needs to know about its SQL row. */
interface RowState {
  status: string;
  lease_owner: string | null;
  lease_until: string | null;
  next_attempt_at: string;
}

const LANES: JobLane[] = ['small', 'large'];
const SETTLED = new Set(['succeeded', 'failed', 'dead', 'cancelled']);
const SWEEP_BATCH = 100;
/** BullMQ jobs of one queue skipped (not claimable) in one reserve before moving on. */
const MAX_SKIPS = 32;
const MIN_CHECK_MS = 50;
const MAX_STALLED_CHECK_MS = 30_000;
const CLOSE_TIMEOUT_MS = 2_000;
const FORGET_AFTER_MS = 60_000;
/**
 * A BullMQ lock lasts this many leases: a late heartbeat still finds its lock, as a late heartbeat
 * still finds its SQL lease while nobody has claimed the job. Taking over a job whose lease ran
 * out does not wait for the lock: the sweep hands it back to waiting.
 */
const LOCK_FACTOR = 2;

const iso = (ms: number): string => new Date(ms).toISOString();

export function queueName(type: string, lane: string): string {
  return `quire-${type}-${lane}`;
}

class RedisTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`Redis did not answer ${what} within ${ms} ms`);
    this.name = 'RedisTimeout';
  }
}

class RedisUnavailable extends Error {
  constructor() {
    super('Redis is not connected');
    this.name = 'RedisUnavailable';
  }
}

/** Resolves or rejects with `promise`, or rejects after `ms` (the late outcome is dropped). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeout(what, ms)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** BullMQ's answer when a job is no longer this token's (lock gone or taken, job gone, moved). */
function lostLock(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'number';
}

export function createBullmqJobQueue(options: BullmqJobQueueOptions): JobQueue {
  const { database, now = Date.now } = options;
  const { db } = database;
  const prefix = options.prefix ?? 'bull';
  const sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
  const sweepGraceMs = options.sweepGraceMs ?? 5_000;
  const timeoutMs = options.operationTimeoutMs ?? 5_000;
  const report = options.onError ?? (() => undefined);
  // Everything the SQL side of a job needs is the SQL queue's own code.
  const records = createSqlJobQueue(database, now);

  const { url, ...connectionOptions } = options.connection;
  const redisOptions: RedisOptions = { ...connectionOptions, maxRetriesPerRequest: null };
  const redis = url === undefined ? new Redis(redisOptions) : new Redis(url, redisOptions);
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) report(error, 'redis connection failed; retrying in the background');
    down = true;
  });
  redis.on('ready', () => {
    down = false;
  });

  const queues = new Map<string, Queue<JobData>>();
  const workers = new Map<string, Worker<JobData>>();
  const held = new Map<string, Held>();
  const heldKey = (owner: string, jobId: string): string => `${owner}\n${jobId}`;
  let shortestLeaseMs = options.leaseMs ?? 30_000;
  let lastSweep = -Infinity;
  let sweeping: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  /**
   * Waits for the first connection; afterwards fails at once while Redis is unreachable, rather than
   * queueing commands for later.
   */
  async function connected(): Promise<void> {
    if (closing !== undefined) throw new RedisUnavailable();
    if (redis.status === 'ready') return;
    if (down || redis.status === 'end') throw new RedisUnavailable();
    // Rejects on the first connection error (then `down` is set), or after the timeout.
    await once(redis, 'ready', { signal: AbortSignal.timeout(timeoutMs) });
  }

  let policyChecked: Promise<void> | undefined;
  async function ready(): Promise<void> {
    await connected();
    policyChecked ??= within(redis.info('memory'), timeoutMs, 'INFO memory')
      .then((info) => {
        const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
        if (policy !== undefined && policy !== 'noeviction') {
          const error = new RedisEvictionPolicyError(policy);
          report(error, 'redis configuration');
          throw error;
        }
      })
      .catch((error: unknown) => {
        if (!(error instanceof RedisEvictionPolicyError)) policyChecked = undefined;
        throw error;
      });
    return policyChecked;
  }

  function queueFor(type: string, lane: string): Queue<JobData> {
    const name = queueName(type, lane);
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = new Queue<JobData>(name, { connection: redis, prefix });
      queue.on('error', (error) => report(error, `queue ${name}`));
      queues.set(name, queue);
    }
    return queue;
  }

  /** One BullMQ worker per queue and lease (its lock duration), fetching only when asked. */
  function workerFor(type: string, lane: string, leaseMs: number): Worker<JobData> {
    const name = queueName(type, lane);
    const key = `${name}@${leaseMs}`;
    let worker = workers.get(key);
    if (worker === undefined) {
      worker = new Worker<JobData>(name, null, {
        connection: redis,
        prefix,
        autorun: false,
        lockDuration: leaseMs * LOCK_FACTOR,
        stalledInterval: Math.min(
          MAX_STALLED_CHECK_MS,
          Math.max(MIN_CHECK_MS, Math.floor(leaseMs / 2)),
        ),
        // A job stalls when its worker died: it goes back to waiting however often that happens
        // (the SQL row counts attempts and decides when to give up).
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      });
      const named = worker;
      named.on('error', (error) => report(error, `worker ${name}`));
      workers.set(key, named);
      named.startStalledCheckTimer().catch((error: unknown) => report(error, `worker ${name}`));
    }
    return worker;
  }

  async function add(type: string, lane: string, id: string, delayMs: number): Promise<void> {
    await within(
      queueFor(type, lane).add(
        type,
        { id },
        {
          jobId: id,
          delay: Math.max(0, Math.round(delayMs)),
          removeOnComplete: true,
          removeOnFail: true,
          attempts: 1,
        },
      ),
      timeoutMs,
      `adding job ${id}`,
    );
  }

  async function readRow(jobId: string): Promise<RowState | undefined> {
    return db
      .selectFrom('jobs')
      .select(['status', 'lease_owner', 'lease_until', 'next_attempt_at'])
      .where('id', '=', jobId)
      .executeTakeFirst();
  }

  /**
   * Moves a BullMQ job this process holds to where its SQL row says it belongs, releasing the lock.
   * Errors are reported, never thrown: the row is the truth, and a job left locked stalls back.
   */
  async function release({ job, token }: Held, row: RowState | undefined): Promise<void> {
    try {
      await connected();
      if (row === undefined || SETTLED.has(row.status)) {
        await within(job.moveToCompleted(null, token, false), timeoutMs, 'completing a job');
        return;
      }
      const until = Date.parse(
        row.status === 'queued' ? row.next_attempt_at : (row.lease_until ?? ''),
      );
      const waitMs = Number.isNaN(until) ? 1_000 : until - now();
      if (waitMs <= 0) await within(job.moveToWait(token), timeoutMs, 'requeueing a job');
      // A running row's lease: one millisecond more, so the claim finds it expired.
      else
        await within(
          job.moveToDelayed(Date.now() + waitMs + (row.status === 'queued' ? 0 : 1), token),
          timeoutMs,
          'delaying a job',
        );
    } catch (error) {
      if (!lostLock(error)) report(error, `releasing job ${job.id ?? ''}`);
    }
  }

  async function releaseHeld(jobId: string, owner: string): Promise<void> {
    const key = heldKey(owner, jobId);
    const holding = held.get(key);
    if (holding === undefined) return;
    held.delete(key);
    await release(holding, await readRow(jobId));
  }

  /**
   * Makes fetchable what SQL says is due: `running` rows whose lease ran out (their BullMQ job back
   * to waiting, or added again if Redis lost it), and `queued` rows due for longer than the grace
   * period (added again: a no-op for a job BullMQ has). At most SWEEP_BATCH of each per sweep.
   */
  async function sweep(): Promise<void> {
    const at = now();
    const [expired, waiting] = await Promise.all([
      db
        .selectFrom('jobs')
        .select(['id', 'type', 'lane', 'lease_owner', 'lease_until'])
        .where('status', '=', 'running')
        .where('lease_until', '<', iso(at))
        .orderBy('lease_until')
        .limit(SWEEP_BATCH)
        .execute(),
      db
        .selectFrom('jobs')
        .select(['id', 'type', 'lane'])
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', iso(at - sweepGraceMs))
        .orderBy('next_attempt_at')
        .limit(SWEEP_BATCH)
        .execute(),
    ]);
    await Promise.all([
      ...expired.map(async (row) => {
        const queue = queueFor(row.type, row.lane);
        const job = await within(queue.getJob(row.id), timeoutMs, `reading job ${row.id}`);
        if (job === undefined) {
          await add(row.type, row.lane, row.id, 0); // Redis lost it
          return;
        }
        // Still locked by its dead (or late) worker, since a lock outlives the lease: hand it back
        // to waiting unless it was claimed again meanwhile. Without a token, moveToWait moves an
        // active job whoever holds its lock (and leaves a waiting or delayed one where it is);
        // the next claim decides who runs it, and the late worker's heartbeat then fails.
        const current = await readRow(row.id);
        if (
          current?.status === 'running' &&
          current.lease_owner === row.lease_owner &&
          current.lease_until === row.lease_until
        )
          await within(job.moveToWait(), timeoutMs, `requeueing job ${row.id}`);
      }),
      ...waiting.map(({ id, type, lane }) => add(type, lane, id, 0)),
    ]);
  }

  async function maybeSweep(): Promise<void> {
    const interval = Math.min(sweepIntervalMs, Math.max(MIN_CHECK_MS, shortestLeaseMs / 2));
    if (sweeping !== undefined || now() - lastSweep < interval) return;
    lastSweep = now();
    // A job whose runner went away without a word (its lock long expired) is no longer held.
    for (const [key, holding] of held)
      if (holding.until + FORGET_AFTER_MS < lastSweep) held.delete(key);
    sweeping = sweep()
      .catch((error: unknown) => report(error, 'job sweep'))
      .finally(() => {
        sweeping = undefined;
      });
    await sweeping;
  }

  /** The next claimable job of one queue, skipping (and settling) those that are not. */
  async function reserveFrom(
    worker: Worker<JobData>,
    owner: string,
    leaseMs: number,
  ): Promise<JobRecord | null> {
    for (let skipped = 0; skipped < MAX_SKIPS; skipped++) {
      // The token proves the lock: made from the owner, unguessable by any other process.
      const token = `${owner}:${randomUUID()}`;
      const job = (await within(
        worker.getNextJob(token, { block: false }),
        timeoutMs,
        'fetching a job',
      )) as BullJob | undefined;
      if (job?.id === undefined) return null;
      let claimed: JobRecord | null;
      try {
        claimed = await claimJob(db, job.id, owner, leaseMs, now);
      } catch (error) {
        await release({ job, token, until: 0 }, dueNow()); // back to waiting for another try
        throw error;
      }
      if (claimed !== null) {
        held.set(heldKey(owner, claimed.id), { job, token, until: now() + leaseMs });
        return claimed;
      }
      await release({ job, token, until: 0 }, await readRow(job.id));
    }
    return null;
  }

  function dueNow(): RowState {
    return { status: 'queued', lease_owner: null, lease_until: null, next_attempt_at: iso(now()) };
  }

  return {
    async enqueue(jobs) {
      const queued = jobs.filter((job) => job.status === 'queued');
      if (queued.length === 0) return;
      try {
        await ready();
        await Promise.all(
          queued.map((job) =>
            add(job.type, job.lane, job.id, Date.parse(job.next_attempt_at) - now()),
          ),
        );
      } catch (error) {
        if (error instanceof RedisEvictionPolicyError) throw error;
        // The rows are committed: the sweep adds them once Redis answers again.
        report(error, 'enqueue (the sweep will add the job)');
      }
    },

    async reserve(types: JobType[], owner, leaseMs, reserveOptions = {}) {
      await ready();
      shortestLeaseMs = Math.min(shortestLeaseMs, leaseMs);
      await maybeSweep();
      const lanes = LANES.filter(
        (lane) => reserveOptions.lanes === undefined || reserveOptions.lanes.includes(lane),
      );
      for (const lane of lanes) {
        for (const type of types) {
          const record = await reserveFrom(workerFor(type, lane, leaseMs), owner, leaseMs);
          if (record !== null) return record;
        }
      }
      return null;
    },

    async heartbeat(jobId, owner, leaseMs) {
      const key = heldKey(owner, jobId);
      const holding = held.get(key);
      if (holding === undefined) return false;
      let extended: number | 'unknown';
      try {
        await connected();
        extended = await within(
          holding.job.extendLock(holding.token, leaseMs * LOCK_FACTOR),
          timeoutMs,
          'extending a lock',
        );
      } catch (error) {
        // Redis is unreachable, so nobody can take the job over from it meanwhile: keep the SQL
        // lease alive, and the lock answers again when Redis does.
        if (!(error instanceof RedisUnavailable)) report(error, `heartbeat of job ${jobId}`);
        extended = 'unknown';
      }
      if (extended === 0) {
        // The lock ran out and the job went back to waiting, maybe to another worker: give up the
        // SQL lease too, so whoever holds the job in Redis now can claim it at once.
        held.delete(key);
        await db
          .updateTable('jobs')
          .set({ lease_until: iso(now()) })
          .where('id', '=', jobId)
          .where('lease_owner', '=', owner)
          .where('status', '=', 'running')
          .execute();
        return false;
      }
      if (await records.heartbeat(jobId, owner, leaseMs)) {
        holding.until = now() + leaseMs;
        return true;
      }
      await releaseHeld(jobId, owner); // cancelled or deleted meanwhile
      return false;
    },

    async progress(jobId, owner, progress) {
      if (await records.progress(jobId, owner, progress)) return true;
      await releaseHeld(jobId, owner);
      return false;
    },

    async completed(jobId, owner) {
      const key = heldKey(owner, jobId);
      const holding = held.get(key);
      if (holding === undefined) return;
      held.delete(key);
      // The completion is committed in SQL; a lock lost meanwhile changes nothing.
      await release(holding, undefined);
    },

    async fail(jobId, owner, failure, retryAt) {
      await records.fail(jobId, owner, failure, retryAt);
      // Retried: delayed until retryAt; failed or dead: removed; not this owner's: as its row says.
      await releaseHeld(jobId, owner);
    },

    async requeue(jobId, owner) {
      await records.requeue(jobId, owner);
      await releaseHeld(jobId, owner);
    },

    async cancel(tenantId, jobId) {
      const record = await records.cancel(tenantId, jobId);
      if (record?.status === 'cancelled') {
        try {
          await connected();
          // A running job is locked and stays: its worker loses the SQL lease at its next heartbeat.
          await within(
            queueFor(record.type, record.lane).remove(jobId),
            timeoutMs,
            `removing ${jobId}`,
          );
        } catch (error) {
          report(error, `cancel ${jobId} (a worker drops it when it meets it)`);
        }
      }
      return record;
    },

    retry: (tenantId, jobId) => records.retry(tenantId, jobId),

    close() {
      closing ??= (async () => {
        await sweeping;
        const settle = (promise: Promise<unknown>, what: string): Promise<unknown> =>
          within(promise, CLOSE_TIMEOUT_MS, what).catch((error: unknown) => report(error, what));
        // Forced: no job runs inside these workers, and an unforced close can hang (bullmq#4163).
        await Promise.all(
          [...workers.values()].map((w) => settle(w.close(true), 'closing a worker')),
        );
        await Promise.all([...queues.values()].map((q) => settle(q.close(), 'closing a queue')));
        workers.clear();
        queues.clear();
        held.clear();
        if (redis.status === 'ready') {
          await settle(redis.quit(), 'closing the Redis connection');
        }
        redis.disconnect();
      })();
      return closing;
    },
  };
}
