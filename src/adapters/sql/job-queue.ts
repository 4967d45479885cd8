import { sql, type ExpressionBuilder } from 'kysely';
import type { DatabaseSchema } from './schema.js';
import type { JobFailure, JobQueue } from '../../ports/job-queue.js';
import type { SqlDatabase } from './database.js';
import { toJobRecord } from './job-store.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function createSqlJobQueue({ db }: SqlDatabase, now: () => number = Date.now): JobQueue {
  return {
    async reserve(types, owner, leaseMs) {
      const at = iso(now());
      // Pick a candidate, then claim it with the same conditions re-checked: of two workers racing
      // for one job, the second matches nothing (PostgreSQL re-evaluates after the row lock).
      const due = (eb: ExpressionBuilder<DatabaseSchema, 'jobs'>) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', at)]),
          eb.and([eb('status', '=', 'running'), eb('lease_until', '<', at)]),
        ]);
      const candidate = await db
        .selectFrom('jobs')
        .select('id')
        .where('type', 'in', types)
        .where(due)
        .orderBy('next_attempt_at')
        .limit(1)
        .executeTakeFirst();
      if (candidate === undefined) return null;
      const row = await db
        .updateTable('jobs')
        .set({
          status: 'running',
          lease_owner: owner,
          lease_until: iso(now() + leaseMs),
          attempts: sql<number>`attempts + 1`,
          started_at: sql<string>`coalesce(started_at, ${at})`,
        })
        .where('id', '=', candidate.id)
        .where(due)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : toJobRecord(row);
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
  };
}
