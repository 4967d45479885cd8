import type { Selectable } from 'kysely';
import {
  JOB_STATUSES,
  SECRET_PAYLOAD_FIELDS,
  type JobLane,
  type JobProgress,
  type JobRecord,
  type JobStatus,
  type JobStore,
  type JobType,
} from '../../ports/job-store.js';
import { PLAINTEXT, places, type ContentCipher } from './content-cipher.js';
import type { SqlExecutor } from './database.js';
import { pageOf } from './paging.js';
import type { JobsTable } from './schema.js';

/** The payload's secret fields apart from the rest: secrets null when there are none. */
function splitPayload(payload: Record<string, unknown>): {
  rest: Record<string, unknown>;
  secrets: Record<string, unknown> | null;
} {
  const rest = { ...payload };
  const secrets: Record<string, unknown> = {};
  for (const field of SECRET_PAYLOAD_FIELDS) {
    if (!(field in rest)) continue;
    secrets[field] = rest[field];
    delete rest[field];
  }
  return { rest, secrets: Object.keys(secrets).length === 0 ? null : secrets };
}

/** The job's row as a record, its secrets (opened) back in its payload while it has them. */
export function toJobRecord(row: Selectable<JobsTable>, cipher: ContentCipher): JobRecord {
  const secrets =
    row.secrets === null
      ? {}
      : (JSON.parse(
          cipher.open(
            row.secrets,
            Number(row.secrets_sealing),
            places.jobSecrets(row.tenant_id, row.id),
          ),
        ) as Record<string, unknown>);
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    document_id: row.document_id,
    type: row.type as JobType,
    lane: row.lane as JobLane,
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    max_attempts: Number(row.max_attempts),
    payload: { ...(JSON.parse(row.payload) as Record<string, unknown>), ...secrets },
    progress: JSON.parse(row.progress) as JobRecord['progress'],
    error: row.error === null ? null : (JSON.parse(row.error) as JobRecord['error']),
    request_id: row.request_id,
    workers: row.attempt_workers === '' ? [] : row.attempt_workers.slice(0, -1).split('\n'),
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
  progress?: JobProgress,
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      status: 'succeeded',
      finished_at: at,
      secrets: null, // no attempt needs them any more
      lease_owner: null,
      lease_until: null,
      error: null,
      ...(progress === undefined ? {} : { progress: JSON.stringify(progress) }),
    })
    .where('id', '=', jobId)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function withoutWorkers({ workers: _workers, ...rest }: JobRecord): Omit<JobRecord, 'workers'> {
  return rest;
}

/** `cipher` seals the payload's secret fields (SECRET_PAYLOAD_FIELDS) at rest. */
export function createSqlJobStore(db: SqlExecutor, cipher: ContentCipher = PLAINTEXT): JobStore {
  const toRecord = (row: Selectable<JobsTable>): JobRecord => toJobRecord(row, cipher);
  return {
    async insert(job) {
      const { rest, secrets } = splitPayload(job.payload);
      await db
        .insertInto('jobs')
        .values({
          ...withoutWorkers(job),
          attempt_workers: job.workers.map((worker) => `${worker}\n`).join(''),
          payload: JSON.stringify(rest),
          secrets:
            secrets === null
              ? null
              : cipher.seal(JSON.stringify(secrets), places.jobSecrets(job.tenant_id, job.id)),
          secrets_sealing: cipher.sealing,
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
      return row === undefined ? null : toRecord(row);
    },

    complete: (jobId, owner, at, progress) => completeJob(db, jobId, owner, at, progress),

    async list(tenantId, filter, limit, after) {
      let query = db.selectFrom('jobs').selectAll();
      if (tenantId !== null) query = query.where('tenant_id', '=', tenantId);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.document_id !== undefined)
        query = query.where('document_id', '=', filter.document_id);
      if (after !== null) query = query.where('id', '<', after);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      return pageOf(rows.map(toRecord), limit);
    },

    async countByStatus() {
      const rows = await db
        .selectFrom('jobs')
        .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
        JobStatus,
        number
      >;
      for (const row of rows) counts[row.status as JobStatus] = Number(row.count);
      return counts;
    },

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
