/**
 * Background jobs, as the document routes need them now: created with their document in one
 * transaction, read by id, listed per document. The durable queue (leases, retries, dead letters)
 * grows from this table in the extraction issue.
 */
export const JOB_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobType = 'fetch' | 'extract';

export interface JobRecord {
  id: string;
  tenant_id: string;
  document_id: string | null;
  type: JobType;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  payload: Record<string, unknown>;
  progress: { done: number; total: number; unit: 'pages' | 'bytes' };
  error: { code: string; message: string; retryable: boolean } | null;
  request_id: string | null;
  next_attempt_at: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobStore {
  insert(job: JobRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<JobRecord | null>;
  /** Marks a job its `owner` holds as succeeded; false when it no longer holds it. */
  complete(jobId: string, owner: string, at: string): Promise<boolean>;
  /** Removes the document's jobs that have not finished (when the document is deleted). */
  deleteForDocument(tenantId: string, documentId: string): Promise<number>;
}
