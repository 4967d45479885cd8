/**
 * Background jobs: the record of each job (what it is, where it stands, how it failed), written in
 * the same transactions as the documents it concerns. The work side (leases, retries, cancel) is
 * the JobQueue port; the records live here in every configuration, so the API reads one source.
 */
import type { JobFailure } from './failures.js';
import type { Page } from './page.js';

export const JOB_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'dead',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JOB_TYPES = ['fetch', 'extract', 'webhook'] as const;
export type JobType = (typeof JOB_TYPES)[number];
/**
 * Payload fields that are secrets (an encrypted PDF's password, the request headers of a URL to
 * fetch): stores keep them apart from the rest of the payload, sealed when an encryption key is
 * set, and forget them once the job has finished (succeeded, failed, dead or cancelled), when no
 * attempt needs them any more. A finished job retried runs without them.
 */
export const SECRET_PAYLOAD_FIELDS = ['password', 'headers'] as const;
/** Large documents go to their own lane, which never takes every worker. */
export type JobLane = 'small' | 'large';

export interface JobProgress {
  done: number;
  total: number;
  unit: 'pages' | 'bytes' | 'attempts';
}

export interface JobFilter {
  status?: JobStatus;
  document_id?: string;
  type?: JobType;
}

export interface JobRecord {
  id: string;
  tenant_id: string;
  document_id: string | null;
  type: JobType;
  lane: JobLane;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  payload: Record<string, unknown>;
  progress: JobProgress;
  error: JobFailure | null;
  request_id: string | null;
  /** The worker that ran each attempt, in order (`workers[0]` ran attempt 1). */
  workers: string[];
  next_attempt_at: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobStore {
  insert(job: JobRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<JobRecord | null>;
  /**
   * A page of a tenant's jobs, newest first (ids sort by creation time), after the id `after`;
   * `tenantId` null lists every tenant's (operators).
   */
  list(
    tenantId: string | null,
    filter: JobFilter,
    limit: number,
    after: string | null,
  ): Promise<Page<JobRecord>>;
  /**
   * Marks a job its `owner` holds as succeeded (with its final `progress` when given); false when
   * it no longer holds it.
   */
  complete(jobId: string, owner: string, at: string, progress?: JobProgress): Promise<boolean>;
  /** Removes the document's jobs (when the document is deleted). */
  deleteForDocument(tenantId: string, documentId: string): Promise<number>;
  /** How many jobs are in each status (queue depth, admin stats). */
  countByStatus(): Promise<Record<JobStatus, number>>;
}
