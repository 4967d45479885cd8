/**
 * The background side of a process (QUIRE_ROLE all or worker): one job runner per job type —
 * fetch, extract, webhook — feeding the job metrics, announcing jobs that die, and logging the
 * start and end of every attempt. Stopping hands unfinished jobs back to the queue.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { extractionLimits, type Config } from '../config.js';
import type { DocumentServices } from '../domain/documents/index.js';
import type { WebhookDeliveries } from '../domain/webhooks/deliveries.js';
import {
  WEBHOOK_MAX_RETRY_DELAY_MS,
  WEBHOOK_RETRY_JITTER,
} from '../domain/webhooks/retry-window.js';
import type { JobMetrics } from '../observability/metrics.js';
import { isoNow, type Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import {
  SUPPORTED_MEDIA_TYPES,
  type Extractor,
  type LibreOfficeRuntime,
} from '../ports/extractor.js';
import type { JobFailure } from '../ports/failures.js';
import type { Fetcher } from '../ports/fetcher.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { JobRecord } from '../ports/job-store.js';
import { extractJobHandler } from './handlers/extract.js';
import { createReindexer } from './reindex.js';
import type { ContentStore } from '../ports/content-store.js';
import type { PassageEmbedder } from '../domain/passage-embeddings.js';
import { fetchJobHandler } from './handlers/fetch.js';
import { webhookJobHandler } from './handlers/webhook.js';
import { JobRunner, type JobHandler, type JobOutcome, type JobRunnerOptions } from './runner.js';

export interface WorkersOptions {
  config: Config;
  logger: Logger;
  clock: Clock;
  queue: JobQueue;
  fetcher: Fetcher;
  /** The extraction worker pool (shared with stateless conversions). */
  extractor: Extractor;
  /** LibreOffice for legacy Office formats; null where none is installed. */
  libreOffice: LibreOfficeRuntime | null;
  /** What the fetch and extraction jobs do to their documents. */
  documents: Pick<DocumentServices, 'fetched' | 'extractions' | 'attachments'>;
  /** Where documents due a re-index are found (see reindex.ts). */
  content: Pick<ContentStore, 'staleDocuments'>;
  /** Fills passages' missing vectors after the re-index (hybrid search). */
  embedder?: Pick<PassageEmbedder, 'documentsMissing' | 'fill'>;
  /** Sends webhook deliveries, and hears of jobs that die. */
  webhooks: WebhookDeliveries;
  metrics: JobMetrics;
}

export interface Workers {
  start(): void;
  stop(): Promise<void>;
}

type RetrySchedule = Pick<JobRunnerOptions, 'retryBaseMs' | 'maxRetryDelayMs' | 'retryJitter'>;

export function createWorkers(options: WorkersOptions): Workers {
  const { config, fetcher, extractor, documents, webhooks, metrics } = options;
  const runner = runnerFactory(options);
  const runners = [
    // Downloads wait on the network, not the CPU: a few run beside each extraction thread.
    runner(
      fetchJobHandler({
        fetcher,
        documents: documents.fetched,
        maxBytes: Math.min(config.fetchMaxBytes, config.maxUploadBytes),
      }),
      Math.max(2, config.extractionWorkers),
    ),
    runner(
      extractJobHandler({
        extractor,
        documents: documents.extractions,
        attachments: documents.attachments,
        limits: extractionLimits(config),
        ocr: config.ocr,
        pdfEngine: config.pdfEngine,
        ...(options.libreOffice === null ? {} : { libreOffice: options.libreOffice }),
        onExtracted: ({ mediaType, outcome, pages, seconds }) => {
          const media_type = boundedMediaType(mediaType);
          metrics.extractionDuration.observe({ media_type, outcome }, seconds);
          if (outcome !== 'ok') return;
          metrics.extractionPages.inc(pages);
          metrics.extractionDocumentPages.observe({ media_type }, pages);
        },
      }),
      extractor.concurrency,
    ),
    // Deliveries wait on receivers, not the CPU; their backoff spans the 24 h retry window.
    runner(
      webhookJobHandler({
        webhooks,
        fetcher,
        timeoutMs: config.webhookTimeoutMs,
        onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
        onResponse: (success, seconds) =>
          metrics.webhookDeliveryDuration.observe(
            { result: success ? 'success' : 'failure' },
            seconds,
          ),
      }),
      config.webhookConcurrency,
      {
        retryBaseMs: config.webhookRetryBaseMs,
        maxRetryDelayMs: WEBHOOK_MAX_RETRY_DELAY_MS,
        retryJitter: WEBHOOK_RETRY_JITTER,
      },
    ),
  ];
  const reindexer = createReindexer(
    options.content,
    documents.extractions,
    options.logger,
    options.embedder,
  );
  return {
    start() {
      for (const each of runners) each.start();
      reindexer.start();
    },
    async stop() {
      await Promise.all([reindexer.stop(), ...runners.map((each) => each.stop())]);
    },
  };
}

/** Runners that share this process's lease owner, the queue settings and what a settle reports. */
function runnerFactory(options: WorkersOptions) {
  const { config, logger, clock, queue } = options;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const onStarted = startReporter(options, owner);
  const onSettled = settleReporter(options, owner);
  return (
    handler: JobHandler,
    concurrency: number,
    retry: RetrySchedule = { retryBaseMs: config.jobRetryBaseMs },
  ): JobRunner =>
    new JobRunner({
      clock,
      queue,
      handler,
      owner,
      concurrency,
      leaseMs: config.jobLeaseMs,
      pollMs: config.workerPollMs,
      ...retry,
      onStarted,
      onSettled,
      onError: (error, job) =>
        logger.error({ err: error, job_id: job.id, type: job.type }, 'job could not be settled'),
    });
}

/** Media types outside the supported set share one label value, so the set stays bounded. */
function boundedMediaType(mediaType: string): string {
  return (SUPPORTED_MEDIA_TYPES as readonly string[]).includes(mediaType) ? mediaType : 'other';
}

/** What every log line of an attempt says about it (see docs/operations.md, "Job logs"). */
function attemptFields(job: JobRecord, workerId: string) {
  return {
    job_id: job.id,
    type: job.type,
    document_id: job.document_id,
    tenant_id: job.tenant_id,
    worker_id: workerId,
    attempt: job.attempts,
    max_attempts: job.max_attempts,
    request_id: job.request_id,
  };
}

/** Logs an attempt's start and times how long the job waited since it was due. */
function startReporter({ logger, clock, metrics }: WorkersOptions, workerId: string) {
  return (job: JobRecord): void => {
    const waitMs = Math.max(0, clock.now() - Date.parse(job.next_attempt_at));
    metrics.jobQueueWait.observe({ type: job.type }, waitMs / 1000);
    logger.info(
      { ...attemptFields(job, workerId), event: 'job.attempt.started', queue_wait_ms: waitMs },
      'job attempt started',
    );
  };
}

/** Outcomes that end a job for good. */
const FINAL: ReadonlySet<JobOutcome> = new Set(['succeeded', 'failed', 'dead']);

/**
 * Counts and times every attempt, announces a dead job, and logs the attempt's end: info when it
 * succeeded or was handed back, warn when it failed (bad input, retried, lost), error when the job
 * died — never with a stack: the failure's code and message say what happened.
 */
function settleReporter({ logger, clock, metrics, webhooks }: WorkersOptions, workerId: string) {
  return (
    job: JobRecord,
    outcome: JobOutcome,
    durationMs: number,
    failure: JobFailure | null,
  ): void => {
    metrics.jobs.inc({ type: job.type, outcome });
    metrics.jobDuration.observe({ type: job.type }, durationMs / 1000);
    if (FINAL.has(outcome)) metrics.jobAttempts.observe({ type: job.type, outcome }, job.attempts);
    if (failure !== null) metrics.jobFailures.inc({ type: job.type, code: failure.code });
    if (outcome === 'dead') {
      announceDead(webhooks, job, failure, clock).catch((error: unknown) =>
        logger.error({ err: error, job_id: job.id }, 'job.dead event not published'),
      );
    }
    const level =
      outcome === 'succeeded' || outcome === 'requeued'
        ? 'info'
        : outcome === 'dead'
          ? 'error'
          : 'warn';
    logger[level](
      {
        ...attemptFields(job, workerId),
        event: 'job.attempt.finished',
        outcome,
        duration_ms: Math.round(durationMs),
        ...(failure === null ? {} : { error_code: failure.code, error_message: failure.message }),
      },
      `job attempt ${outcome}`,
    );
  };
}

function announceDead(
  events: EventPublisher,
  job: JobRecord,
  failure: JobFailure | null,
  clock: Clock,
): Promise<void> {
  return events.publish({
    type: 'job.dead',
    tenant_id: job.tenant_id,
    data: {
      job: {
        id: job.id,
        type: job.type,
        status: 'dead',
        document_id: job.document_id,
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        error: failure,
      },
    },
    request_id: job.request_id,
    occurred_at: isoNow(clock),
  });
}
