/** A job record as clients see it (the JobView schema checks it on the way out). */
import type { Static } from 'typebox';
import type { JobRecord } from '../../ports/job-store.js';
import type { JobView } from '../schemas/documents.js';

/** A job as clients see it (no tenant, payload or request id). */
export function jobView(job: JobRecord): Static<typeof JobView>;
export function jobView(job: JobRecord | null): Static<typeof JobView> | null;
export function jobView(job: JobRecord | null): Static<typeof JobView> | null {
  if (job === null) return null;
  const {
    tenant_id: _tenant,
    payload: _payload,
    request_id: _request,
    error,
    started_at,
    finished_at,
    next_attempt_at,
    ...rest
  } = job;
  return {
    ...rest,
    ...(error === null ? {} : { error }),
    ...(started_at === null ? {} : { started_at }),
    ...(finished_at === null ? {} : { finished_at }),
    ...(job.status === 'queued' ? { next_attempt_at } : {}),
  };
}
