/**
 * Runs URL-ingestion jobs: fetch the URL (SSRF-guarded, capped, retried inside the fetcher),
 * stream the body to the blob store, then attach the bytes to the document and queue its
 * extraction in one transaction. A failure that another attempt can fix is retried later with
 * jittered exponential backoff; the rest fail the job and the document with a reason. On stop,
 * an unfinished job is handed back to the queue, never marked failed.
 */
import { AppError } from '../errors.js';
import { FetchError, type Fetcher } from '../ports/fetcher.js';
import type { JobFailure, JobQueue } from '../ports/job-queue.js';
import type { JobRecord } from '../ports/job-store.js';
import type { DocumentService } from './documents.js';

export interface FetchWorkerOptions {
  queue: JobQueue;
  fetcher: Fetcher;
  documents: DocumentService;
  /** Who holds leases (unique per process). */
  owner: string;
  maxBytes: number;
  leaseMs?: number;
  pollMs?: number;
  /** First retry delay of a failed job, doubled each attempt (jittered), capped at 15 minutes. */
  retryBaseMs: number;
  onError?: (error: unknown, job: JobRecord) => void;
  now?: () => number;
}

const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** What a failure means for the job: its code, and whether a later attempt can succeed. */
export function classifyFetchFailure(error: unknown): JobFailure {
  if (error instanceof FetchError) {
    if (error.kind === 'not_allowed')
      return { code: 'URL_NOT_ALLOWED', message: error.message, retryable: false };
    if (error.kind === 'too_large')
      return { code: 'PAYLOAD_TOO_LARGE', message: error.message, retryable: false };
    return { code: 'FETCH_FAILED', message: error.message, retryable: error.retryable };
  }
  if (error instanceof AppError) {
    if (error.code === 'UNSUPPORTED_MEDIA_TYPE')
      return { code: 'UNSUPPORTED_FORMAT', message: error.detail, retryable: false };
    if (error.code === 'VALIDATION_FAILED')
      return { code: 'UNPROCESSABLE_DOCUMENT', message: error.detail, retryable: false };
    return { code: error.code, message: error.detail, retryable: error.retryable };
  }
  return { code: 'FETCH_FAILED', message: 'The download failed unexpectedly', retryable: true };
}

export class FetchWorker {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private current: AbortController | undefined;
  private stopping = false;

  constructor(private readonly options: FetchWorkerOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops taking jobs; aborts the one running and hands it back to the queue. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.current?.abort(new Error('worker stopping'));
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let job: JobRecord | null = null;
    try {
      job = await this.options.queue.reserve(['fetch'], this.options.owner, this.leaseMs);
      if (job !== null) await this.run(job);
    } catch (error) {
      if (job !== null) this.options.onError?.(error, job);
    } finally {
      // Straight on while there is work; otherwise wait for the next poll.
      this.schedule(job === null ? this.pollMs : 0);
    }
  }

  private async run(job: JobRecord): Promise<void> {
    const { queue, fetcher, documents, owner } = this.options;
    const controller = new AbortController();
    this.current = controller;
    const heartbeat = setInterval(() => {
      void queue.heartbeat(job.id, owner, this.leaseMs).then(
        (held) => held || controller.abort(new Error('lease lost')),
        () => undefined,
      );
    }, this.leaseMs / 3);
    heartbeat.unref();
    try {
      const payload = job.payload as { url: string; headers?: Record<string, string> };
      const response = await fetcher.fetch(payload.url, {
        headers: {
          ...(payload.headers ?? {}),
          ...(job.request_id === null ? {} : { 'x-request-id': job.request_id }),
        },
        maxBytes: this.options.maxBytes,
        signal: controller.signal,
      });
      const upload = await documents.stage(response.body, controller.signal);
      await documents.attachFetched(job, upload, owner);
    } catch (error) {
      if (this.stopping) {
        await queue.requeue(job.id, owner);
        return;
      }
      await this.fail(job, classifyFetchFailure(error));
    } finally {
      clearInterval(heartbeat);
      this.current = undefined;
    }
  }

  private async fail(job: JobRecord, failure: JobFailure): Promise<void> {
    const final = !failure.retryable || job.attempts >= job.max_attempts;
    const delay = Math.min(MAX_RETRY_DELAY_MS, this.options.retryBaseMs * 2 ** (job.attempts - 1));
    const retryAt = final
      ? null
      : new Date(this.now() + delay / 2 + Math.random() * (delay / 2)).toISOString();
    await this.options.queue.fail(job.id, this.options.owner, failure, retryAt);
    if (final && job.document_id !== null) {
      await this.options.documents.markFailed(job.tenant_id, job.document_id, failure);
    }
  }
}
