/**
 * Jobs as clients see them: read, list, cancel, retry, and follow (events). Cancel and retry
 * change the job through the queue (which owns leases) and then the document it is for, so a
 * document never says `processing` for a job nobody runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Page } from '../ports/page.js';
import type { JobFilter, JobRecord, JobStatus, JobStore } from '../ports/job-store.js';
import type { DocumentStatus } from './documents/status.js';

export type JobEventName = 'progress' | 'succeeded' | 'failed' | 'cancelled';

export interface JobEvent {
  event: JobEventName;
  job: JobRecord;
}

const SETTLED: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'dead']);
const RETRYABLE: ReadonlySet<JobStatus> = new Set(['failed', 'dead', 'cancelled']);

function eventFor(job: JobRecord): JobEventName {
  if (job.status === 'succeeded') return 'succeeded';
  if (job.status === 'cancelled') return 'cancelled';
  if (job.status === 'failed' || job.status === 'dead') return 'failed';
  return 'progress';
}

/** What a client can see change: status, progress, attempts, error. */
function fingerprint(job: JobRecord): string {
  return JSON.stringify([job.status, job.progress, job.attempts, job.error]);
}

export class JobService {
  constructor(
    private readonly options: {
      queue: JobQueue;
      jobs: JobStore;
      documents: DocumentStatus;
    },
  ) {}

  async get(tenantId: string, id: string): Promise<JobRecord> {
    const job = await this.options.jobs.get(tenantId, id);
    if (job === null) throw new AppError('NOT_FOUND', `No job ${id}`);
    return job;
  }

  list(
    tenantId: string | null,
    filter: JobFilter,
    limit: number,
    after: string | null,
  ): Promise<Page<JobRecord>> {
    return this.options.jobs.list(tenantId, filter, limit, after);
  }

  async cancel(tenantId: string, id: string): Promise<JobRecord> {
    const before = await this.get(tenantId, id);
    if (before.status === 'cancelled') return before;
    if (SETTLED.has(before.status))
      throw new AppError('CONFLICT', `Job ${id} is already ${before.status}`);
    const job = await this.options.queue.cancel(tenantId, id);
    if (job === null) throw new AppError('NOT_FOUND', `No job ${id}`);
    if (job.status !== 'cancelled')
      throw new AppError('CONFLICT', `Job ${id} is already ${job.status}`);
    if (job.document_id !== null && job.error !== null) {
      await this.options.documents.markFailed(tenantId, job.document_id, job.error);
    }
    return job;
  }

  async retry(tenantId: string, id: string): Promise<JobRecord> {
    const before = await this.get(tenantId, id);
    if (!RETRYABLE.has(before.status)) {
      throw new AppError(
        'CONFLICT',
        `Job ${id} is ${before.status}; only failed, dead or cancelled jobs can be retried`,
      );
    }
    const job = await this.options.queue.retry(tenantId, id);
    if (job === null) throw new AppError('NOT_FOUND', `No job ${id}`);
    if (job.status !== 'queued')
      throw new AppError('CONFLICT', `Job ${id} is ${job.status} and cannot be retried`);
    if (job.document_id !== null)
      await this.options.documents.markPending(tenantId, job.document_id);
    await this.options.queue.enqueue([job]);
    return job;
  }

  /**
   * The job's state now, then each change, until it settles or `signal` aborts. Polls the record,
   * so it works whichever process runs the job.
   */
  async *events(
    tenantId: string,
    id: string,
    pollMs: number,
    signal: AbortSignal,
  ): AsyncGenerator<JobEvent> {
    let job = await this.get(tenantId, id);
    let seen = fingerprint(job);
    yield { event: eventFor(job), job };
    while (!SETTLED.has(job.status) && !signal.aborted) {
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      const next = await this.options.jobs.get(tenantId, id);
      if (next === null) return; // deleted with its document
      job = next;
      const current = fingerprint(job);
      if (current !== seen) {
        seen = current;
        yield { event: eventFor(job), job };
      }
    }
  }
}
