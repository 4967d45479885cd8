/** The queued job record a document's fetch or extraction starts as. */
import type { JobRecord, JobType } from '../../ports/job-store.js';
import type { DocumentDeps } from './deps.js';
import { newId } from '../../shared/ids.js';
import { withTraceCarrier } from '../job-trace.js';

export type JobSettings = Pick<DocumentDeps, 'maxJobAttempts' | 'largeDocumentBytes'>;

export interface NewJob {
  tenantId: string;
  documentId: string;
  type: JobType;
  payload: Record<string, unknown>;
  requestId: string | null;
  /** When it is created and may first run. */
  at: string;
  /** The document's size, which picks the lane. */
  sizeBytes: number;
}

export function newJob(settings: JobSettings, job: NewJob): JobRecord {
  const id = newId('job', Date.parse(job.at));
  return {
    id,
    tenant_id: job.tenantId,
    document_id: job.documentId,
    type: job.type,
    lane: job.sizeBytes >= settings.largeDocumentBytes ? 'large' : 'small',
    status: 'queued',
    attempts: 0,
    max_attempts: settings.maxJobAttempts,
    payload: withTraceCarrier(job.payload, id, job.type),
    progress: { done: 0, total: 0, unit: job.type === 'fetch' ? 'bytes' : 'pages' },
    error: null,
    request_id: job.requestId,
    workers: [],
    next_attempt_at: job.at,
    created_at: job.at,
    started_at: null,
    finished_at: null,
  };
}
