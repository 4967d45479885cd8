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
 * - The sweep (from `reserve`, at most every `sweepIntervalMs` and every leaseMs / 8) puts back
 *   into Redis what SQL says is due: a `running` row whose lease ran out (its worker died) gets its
 *   BullMQ job moved back to waiting although the dead worker's lock has not run out yet (or added
 *   again if Redis lost it), so a job is taken over within an eighth of a lease of its lease
 *   running out (as with the SQL queue, where it is due at once); a `queued` row due for longer than `sweepGraceMs` is added again (a
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
 *   by `operationTimeoutMs`, so nothing waits for Redis forever (shutdown included); a fetch given
 *   up on hands back the job its late answer locked, which would otherwise wait two leases for its
 *   lock to run out while other workers are idle.
 *
 * Its parts: redis-link.ts (the connection, bounded calls, the eviction check), bull-queues.ts
 * (queues and workers per type and lane), record-mirror.ts (a BullMQ job put where its SQL row
 * says), held-jobs.ts and leases.ts (reserve, heartbeat, letting go), sweep.ts (SQL back into
 * Redis). This file puts them together behind the JobQueue port.
 */
import type { RedisOptions } from 'ioredis';
import type { JobFailure } from '../../ports/failures.js';
import type { JobQueue, ReserveOptions } from '../../ports/job-queue.js';
import type { JobProgress, JobRecord, JobType } from '../../ports/job-store.js';
import type { SqlDatabase } from '../sql/database.js';
import { PLAINTEXT, type ContentCipher } from '../sql/content-cipher.js';
import { createSqlJobQueue } from '../sql/job-queue.js';
import { BullQueues } from './bull-queues.js';
import { HeldJobs } from './held-jobs.js';
import { Leases, lanesInOrder } from './leases.js';
import { RecordMirror } from './record-mirror.js';
import { RedisEvictionPolicyError, RedisLink, within, type ReportError } from './redis-link.js';
import { Sweeper } from './sweep.js';
import { Listeners } from '../../shared/listeners.js';

export { queueName } from './bull-queues.js';
export { RedisEvictionPolicyError } from './redis-link.js';

export interface BullmqJobQueueOptions {
  /** Where the job records live (the same database as everything else). */
  database: SqlDatabase;
  /**
   * A redis:// URL and/or ioredis options (`maxRetriesPerRequest` is forced to null, as BullMQ's
   * workers need).
   */
  connection: RedisOptions & { url?: string };
  /** BullMQ's key prefix: the deployment's namespace (redis/namespace.ts); tests use one per run. */
  prefix: string;
  /** The lease workers are configured with: sizes the stalled-job check before the first reserve. */
  leaseMs?: number;
  now?: () => number;
  /** Longest pause between two sweeps (default 5 s). */
  sweepIntervalMs?: number;
  /** How long a due `queued` row may wait before the sweep adds it to Redis again (default 5 s). */
  sweepGraceMs?: number;
  /** Longest wait for one Redis call before giving up on it (default 5 s). */
  operationTimeoutMs?: number;
  /** Seals a job's secret payload fields at rest (default: as they are). */
  cipher?: ContentCipher;
  /** Failures that do not fail the caller (Redis unreachable, a sweep that failed…). */
  onError?: (error: unknown, context: string) => void;
}

const CLOSE_TIMEOUT_MS = 2_000;

export function createBullmqJobQueue(options: BullmqJobQueueOptions): JobQueue {
  return new BullmqJobQueue(options);
}

/** The parts (each in its own module) put together behind the JobQueue port. */
class BullmqJobQueue implements JobQueue {
  private readonly report: ReportError;
  private readonly now: () => number;
  /** Everything the SQL side of a job needs is the SQL queue's own code. */
  private readonly records: JobQueue;
  private readonly link: RedisLink;
  private readonly bull: BullQueues;
  private readonly held = new HeldJobs();
  private readonly leases: Leases;
  private readonly sweeper: Sweeper;
  private readonly enqueued = new Listeners();
  private closing: Promise<void> | undefined;

  constructor(options: BullmqJobQueueOptions) {
    const { database, now = Date.now, cipher = PLAINTEXT } = options;
    const { db } = database;
    const report = options.onError ?? (() => undefined);
    const records = createSqlJobQueue(database, now, cipher);
    const link = new RedisLink(options.connection, options.operationTimeoutMs ?? 5_000, report);
    const bull = new BullQueues(link, options.prefix, report);
    const mirror = new RecordMirror(db, link, now, report);
    const held = this.held;
    this.report = report;
    this.now = now;
    this.records = records;
    this.link = link;
    this.bull = bull;
    this.leases = new Leases({ db, link, bull, mirror, held, records, now, cipher, report });
    this.sweeper = new Sweeper({
      db,
      link,
      bull,
      mirror,
      held,
      now,
      report,
      intervalMs: options.sweepIntervalMs ?? 5_000,
      graceMs: options.sweepGraceMs ?? 5_000,
      leaseMs: options.leaseMs ?? 8_000,
    });
  }

  async enqueue(jobs: JobRecord[]): Promise<void> {
    const queued = jobs.filter((job) => job.status === 'queued');
    if (queued.length === 0) return;
    try {
      await this.link.ready();
      await Promise.all(
        queued.map((job) =>
          this.bull.add(job.type, job.lane, job.id, Date.parse(job.next_attempt_at) - this.now()),
        ),
      );
      const at = this.now();
      if (queued.some((job) => Date.parse(job.next_attempt_at) <= at)) this.enqueued.notify();
    } catch (error) {
      if (error instanceof RedisEvictionPolicyError) throw error;
      // The rows are committed: the sweep adds them once Redis answers again.
      this.report(error, 'enqueue (the sweep will add the job)');
    }
  }

  onEnqueued(listener: () => void): () => void {
    return this.enqueued.add(listener);
  }

  async reserve(
    types: JobType[],
    owner: string,
    leaseMs: number,
    reserveOptions: ReserveOptions = {},
  ): Promise<JobRecord | null> {
    await this.link.ready();
    this.sweeper.noteLease(leaseMs);
    await this.sweeper.maybeSweep();
    return this.leases.reserve(types, owner, leaseMs, lanesInOrder(reserveOptions.lanes));
  }

  heartbeat(jobId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.leases.heartbeat(jobId, owner, leaseMs);
  }

  async progress(jobId: string, owner: string, progress: JobProgress): Promise<boolean> {
    if (await this.records.progress(jobId, owner, progress)) return true;
    await this.leases.releaseAsRowSays(jobId, owner);
    return false;
  }

  async completed(jobId: string, owner: string): Promise<void> {
    await this.leases.releaseCompleted(jobId, owner);
  }

  async fail(
    jobId: string,
    owner: string,
    failure: JobFailure,
    retryAt: string | null,
  ): Promise<void> {
    await this.records.fail(jobId, owner, failure, retryAt);
    // Retried: delayed until retryAt; failed or dead: removed; not this owner's: as its row says.
    await this.leases.releaseAsRowSays(jobId, owner);
  }

  async requeue(jobId: string, owner: string): Promise<void> {
    await this.records.requeue(jobId, owner);
    await this.leases.releaseAsRowSays(jobId, owner);
  }

  async cancel(tenantId: string, jobId: string): Promise<JobRecord | null> {
    const record = await this.records.cancel(tenantId, jobId);
    if (record?.status === 'cancelled') {
      try {
        await this.link.connected();
        // A running job is locked and stays: its worker loses the SQL lease at its next heartbeat.
        const removing = this.bull.queue(record.type, record.lane).remove(jobId);
        await this.link.call(removing, `removing ${jobId}`);
      } catch (error) {
        this.report(error, `cancel ${jobId} (a worker drops it when it meets it)`);
      }
    }
    return record;
  }

  retry(tenantId: string, jobId: string): Promise<JobRecord | null> {
    return this.records.retry(tenantId, jobId);
  }

  /** Connected (failing at once while Redis is unreachable), never evicting, and answering. */
  async check(): Promise<void> {
    await this.link.ready();
    await this.link.call(this.link.redis.ping(), 'PING');
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.link.stop();
      this.closing = this.shutDown();
    }
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    await this.sweeper.idle();
    const settle = (promise: Promise<unknown>, what: string): Promise<unknown> =>
      within(promise, CLOSE_TIMEOUT_MS, what).catch((error: unknown) => this.report(error, what));
    await this.bull.close(settle);
    this.held.clear();
    await this.link.quit(settle);
  }
}
