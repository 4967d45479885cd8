/**
 * The work side of jobs: make a committed job visible to workers, reserve a due job under a
 * lease, keep the lease alive, report progress, and settle it; cancel and retry on a client's
 * request. A job whose lease runs out (its worker died) is due again, so a crash loses nothing.
 * Records stay in the JobStore; every method here keeps them current.
 */
import type { JobFailure } from './failures.js';
import type { JobLane, JobProgress, JobRecord, JobType } from './job-store.js';

export interface ReserveOptions {
  /** Only jobs of these lanes (default: any), smaller lanes first. */
  lanes?: JobLane[];
}

export interface JobQueue {
  /**
   * Makes jobs already committed as `queued` known to workers. Call after the transaction that
   * inserted them commits. Idempotent; a queue whose records are its own rows has nothing to do.
   */
  enqueue(jobs: JobRecord[]): Promise<void>;
  /**
   * Calls `listener` after this process enqueued jobs that are due now, so a worker in the same
   * process takes them at once instead of at its next poll; returns what unsubscribes. Workers in
   * other processes still find them by polling.
   */
  onEnqueued(listener: () => void): () => void;
  /** The next due job of these types, now leased to `owner` until `leaseMs` from now; null if none. */
  reserve(
    types: JobType[],
    owner: string,
    leaseMs: number,
    options?: ReserveOptions,
  ): Promise<JobRecord | null>;
  /** Extends the lease; false when the job is no longer this owner's (cancelled, taken over). */
  heartbeat(jobId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Records progress of a held job; false when the owner no longer holds it. */
  progress(jobId: string, owner: string, progress: JobProgress): Promise<boolean>;
  /**
   * Tells the queue that the owner's completion was committed (JobStore.complete in the same
   * transaction as the job's results).
   */
  completed(jobId: string, owner: string): Promise<void>;
  /** Retry at `retryAt`, or settle as failed (not retryable) or dead (retries exhausted). */
  fail(jobId: string, owner: string, failure: JobFailure, retryAt: string | null): Promise<void>;
  /** Hands an unfinished job back (shutdown): due again at once, the attempt not counted. */
  requeue(jobId: string, owner: string): Promise<void>;
  /**
   * Cancels a queued or running job: `cancelled` at once; a running job's worker loses its lease
   * and stops at its next heartbeat. Null when the job is not found; unchanged when settled.
   */
  cancel(tenantId: string, jobId: string): Promise<JobRecord | null>;
  /**
   * Queues a failed, dead or cancelled job again with fresh attempts. Null when not found;
   * unchanged (status as it was) when the job is not in one of those states.
   */
  retry(tenantId: string, jobId: string): Promise<JobRecord | null>;
  /**
   * For readiness: the queue can take and hand out jobs now (the SQL queue: its table answers;
   * BullMQ: Redis is connected and never evicts). Rejects saying why.
   */
  check(signal: AbortSignal): Promise<void>;
  /** Releases connections (the SQL queue has none of its own). */
  close(): Promise<void>;
}
