import type { JobRecord, JobStatus, JobStore, JobType } from '../../ports/job-store.js';
import type { SqlExecutor } from './database.js';
import type { JobsTable } from './schema.js';

export function toJobRecord(row: JobsTable): JobRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    document_id: row.document_id,
    type: row.type as JobType,
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    max_attempts: Number(row.max_attempts),
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    progress: JSON.parse(row.progress) as JobRecord['progress'],
    error: row.error === null ? null : (JSON.parse(row.error) as JobRecord['error']),
    request_id: row.request_id,
    next_attempt_at: row.next_attempt_at,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}

/** Marks a leased job succeeded (inside the caller's transaction, with what it produced). */
export async function completeJob(
  db: SqlExecutor,
  jobId: string,
  owner: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      status: 'succeeded',
      finished_at: at,
      lease_owner: null,
      lease_until: null,
      error: null,
    })
    .where('id', '=', jobId)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export function createSqlJobStore(db: SqlExecutor): JobStore {
  return {
    async insert(job) {
      await db
        .insertInto('jobs')
        .values({
          ...job,
          payload: JSON.stringify(job.payload),
          progress: JSON.stringify(job.progress),
          error: job.error === null ? null : JSON.stringify(job.error),
          lease_owner: null,
          lease_until: null,
        })
        .execute();
    },

    async get(tenantId, id) {
      const row = await db
        .selectFrom('jobs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toJobRecord(row);
    },

    complete: (jobId, owner, at) => completeJob(db, jobId, owner, at),

    async deleteForDocument(tenantId, documentId) {
      const result = await db
        .deleteFrom('jobs')
        .where('tenant_id', '=', tenantId)
        .where('document_id', '=', documentId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
