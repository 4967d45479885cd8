import { sql, type ExpressionBuilder } from 'kysely';
import type { DatabaseSchema } from './schema.js';
import { Failure, type JobFailure } from '../../ports/failures.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import { PLAINTEXT, type ContentCipher } from './content-cipher.js';
import { createSqlJobStore, toJobRecord } from './job-store.js';
import { Listeners } from '../../shared/listeners.js';

const CANCELLED = JSON.stringify(new Failure('CANCELLED', 'The job was cancelled'));

const iso = (ms: number): string => new Date(ms).toISOString();

/** A job a worker may take at `at`: queued and due, or running under a lease that ran out. */
const due = (at: string) => (eb: ExpressionBuilder<DatabaseSchema, 'jobs'>) =>
  eb.or([
    eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', at)]),
    eb.and([eb('status', '=', 'running'), eb('lease_until', '<', at)]),
  ]);

/**
 * Claims one job for `owner` under a lease of `leaseMs`, counting the attempt, if it is still
 * due; null when it is not (taken, settled, cancelled, deleted or not yet due). The conditions
 * are re-checked in the update itself, so of two workers racing for one job the second matches
 * nothing (PostgreSQL re-evaluates them after the row lock). Whatever hands out candidates (the
 * SQL queue's own select, or a BullMQ job) claims through this.
 */
export async function claimJob(
  db: SqlExecutor,
  jobId: string,
  owner: string,
  leaseMs: number,
  now: () => number = Date.now,
  cipher: ContentCipher = PLAINTEXT,
): Promise<JobRecord | null> {
  const at = iso(now());
  const row = await db
    .updateTable('jobs')
    .set({
      status: 'running',
      lease_owner: owner,
      lease_until: iso(now() + leaseMs),
      attempts: sql<number>`attempts + 1`,
      attempt_workers: sql<string>`attempt_workers || ${`${owner}\n`}`,
      started_at: sql<string>`coalesce(started_at, ${at})`,
    })
    .where('id', '=', jobId)
    .where(due(at))
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? null : toJobRecord(row, cipher);
}

/**
 * The queue is the jobs table itself: a due row is claimed by a conditional update that sets its
 * lease, so committing a job is enqueueing it and no second store can disagree with the record.
 * Long because the port is wide: one short method per port operation.
 */
export function createSqlJobQueue(
  { db }: SqlDatabase,
  now: () => number = Date.now,
  cipher: ContentCipher = PLAINTEXT,
): JobQueue {
  const records = createSqlJobStore(db, cipher);
  const enqueued = new Listeners();
  /** The committed rows are already due; this process's workers are told of those due now. */
  const told = (jobs: readonly JobRecord[]): void => {
    const at = now();
    if (jobs.some((job) => job.status === 'queued' && Date.parse(job.next_attempt_at) <= at))
      enqueued.notify();
  };
  return {
    async enqueue(jobs) {
      told(jobs);
    },

    onEnqueued: (listener) => enqueued.add(listener),

    async reserve(types, owner, leaseMs, options = {}) {
      const at = iso(now());
      const candidate = await db
        .selectFrom('jobs')
        .select('id')
        .where('type', 'in', types)
        .$if(options.lanes !== undefined, (query) => query.where('lane', 'in', options.lanes ?? []))
        .where(due(at))
        // A small document waiting is always taken before a large one.
        .orderBy(sql`case when lane = 'small' then 0 else 1 end`)
        .orderBy('next_attempt_at')
        .limit(1)
        .executeTakeFirst();
      if (candidate === undefined) return null;
      return claimJob(db, candidate.id, owner, leaseMs, now, cipher);
    },

    async heartbeat(jobId, owner, leaseMs) {
      const result = await db
        .updateTable('jobs')
        .set({ lease_until: iso(now() + leaseMs) })
        .where('id', '=', jobId)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async progress(jobId, owner, progress) {
      const result = await db
        .updateTable('jobs')
        .set({ progress: JSON.stringify(progress) })
        .where('id', '=', jobId)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async completed() {
      // JobStore.complete already settled the row in the caller's transaction.
    },

    async fail(jobId, owner, failure: JobFailure, retryAt) {
      const at = iso(now());
      // The owner holds the lease, so reading the attempt count first cannot race another writer.
      const current = await db
        .selectFrom('jobs')
        .select(['attempts', 'max_attempts'])
        .where('id', '=', jobId)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      if (current === undefined) return;
      const exhausted = Number(current.attempts) >= Number(current.max_attempts);
      const retry = failure.retryable && retryAt !== null && !exhausted;
      await db
        .updateTable('jobs')
        .set({
          status: retry ? 'queued' : failure.retryable ? 'dead' : 'failed',
          error: JSON.stringify(failure),
          next_attempt_at: retry ? (retryAt as string) : at,
          lease_owner: null,
          lease_until: null,
          finished_at: retry ? null : at,
          // A finished job's secrets (a PDF's password) are no longer needed: forget them.
          ...(retry ? {} : { secrets: null }),
        })
        .where('id', '=', jobId)
        .where('lease_owner', '=', owner)
        .execute();
    },

    async requeue(jobId, owner) {
      await db
        .updateTable('jobs')
        .set({
          status: 'queued',
          attempts: sql<number>`case when attempts > 0 then attempts - 1 else 0 end`,
          next_attempt_at: iso(now()),
          lease_owner: null,
          lease_until: null,
        })
        .where('id', '=', jobId)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'running')
        .execute();
    },

    async cancel(tenantId, jobId) {
      const at = iso(now());
      await db
        .updateTable('jobs')
        .set({
          status: 'cancelled',
          error: CANCELLED,
          finished_at: at,
          secrets: null,
          lease_owner: null,
          lease_until: null,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', jobId)
        .where('status', 'in', ['queued', 'running'])
        .execute();
      return records.get(tenantId, jobId);
    },

    async retry(tenantId, jobId) {
      const at = iso(now());
      await db
        .updateTable('jobs')
        .set({
          status: 'queued',
          attempts: 0,
          attempt_workers: '',
          error: null,
          next_attempt_at: at,
          started_at: null,
          finished_at: null,
          lease_owner: null,
          lease_until: null,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', jobId)
        .where('status', 'in', ['failed', 'dead', 'cancelled'])
        .execute();
      const record = await records.get(tenantId, jobId);
      if (record !== null) told([record]);
      return record;
    },

    async check() {
      // The table workers claim from answers (the database check alone does not read it).
      await db.selectFrom('jobs').select('id').limit(1).execute();
    },

    async close() {
      // The database is closed by its owner.
    },
  };
}
