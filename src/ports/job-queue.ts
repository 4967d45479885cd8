/**
 * The work side of jobs: reserve a due job under a lease, keep the lease alive, and settle it.
 * A job whose lease runs out (its worker died) is due again, so a crash loses nothing.
 */
import type { JobRecord, JobType } from './job-store.js';

export interface JobFailure {
  code: string;
  message: string;
  retryable: boolean;
}

export interface JobQueue {
  /** The next due job of these types, now leased to `owner` until `leaseMs` from now; null if none. */
  reserve(types: JobType[], owner: string, leaseMs: number): Promise<JobRecord | null>;
  /** Extends the lease; false when the job is no longer this owner's (cancelled, taken over). */
  heartbeat(jobId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Retry at `retryAt`, or settle as failed (not retryable) or dead (retries exhausted). */
  fail(jobId: string, owner: string, failure: JobFailure, retryAt: string | null): Promise<void>;
  /** Hands an unfinished job back (shutdown): due again at once, the attempt not counted. */
  requeue(jobId: string, owner: string): Promise<void>;
}
