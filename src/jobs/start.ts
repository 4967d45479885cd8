/**
 * The background side of a process (QUIRE_ROLE all or worker): the extraction pool and one job
 * runner per job family, with the job metrics they feed. Stopping hands unfinished jobs back to
 * the queue.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { DocumentServices } from '../domain/documents/index.js';
import { extractJobHandler } from './handlers/extract.js';
import { fetchJobHandler } from './handlers/fetch.js';
import { JobRunner, type JobHandler, type JobRunnerOptions } from './runner.js';
import type { WebhookDeliveries } from '../domain/webhooks/deliveries.js';
import {
  WEBHOOK_MAX_RETRY_DELAY_MS,
  WEBHOOK_RETRY_JITTER,
} from '../domain/webhooks/retry-window.js';
import { webhookJobHandler, type DeliveryOutcome } from './handlers/webhook.js';
import type { ExtractionLimits } from '../ports/extractor.js';
import type { Extractor } from '../ports/extractor.js';
import type { Fetcher } from '../ports/fetcher.js';
import type { JobQueue } from '../ports/job-queue.js';
import { NO_EVENTS, type EventPublisher } from '../ports/events.js';
import type { Clock } from '../ports/clock.js';

export interface WorkersOptions {
  config: Config;
  logger: Logger;
  queue: JobQueue;
  fetcher: Fetcher;
  /** What the fetch and extraction jobs do to their documents. */
  documents: Pick<DocumentServices, 'fetched' | 'extractions'>;
  registry: Registry;
  clock: Clock;
  /** Told when a job goes dead (webhooks). */
  events?: EventPublisher;
  /** Sends webhook deliveries (a third runner) when given. */
  webhooks?: WebhookDeliveries;
  /** The extraction worker pool (shared with stateless conversions). */
  extractor: Extractor;
}

export interface Workers {
  start(): void;
  stop(): Promise<void>;
}

/** What extraction may take of a document, from the settings (background jobs and /v1/convert). */
export function extractionLimits(config: Config): ExtractionLimits {
  return {
    maxPages: config.maxPages,
    maxUnzippedBytes: config.maxUnzippedBytes,
    maxTextChars: config.maxExtractedChars,
    maxOcrPages: config.ocrMaxPages,
  };
}

export function createWorkers(options: WorkersOptions): Workers {
  const { config, logger, queue, documents, registry } = options;
  const events = options.events ?? NO_EVENTS;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const jobsTotal = new Counter({
    name: 'jobs_total',
    help: 'Job attempts by type and outcome (succeeded, retried, failed, dead, lost, requeued).',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Time of one job attempt, by type.',
    labelNames: ['type'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const pagesTotal = new Counter({
    name: 'extraction_pages_total',
    help: 'Pages extracted.',
    registers: [registry],
  });

  const pool = options.extractor;

  const runner = (
    handler: JobHandler,
    concurrency: number,
    retry: Pick<JobRunnerOptions, 'retryBaseMs' | 'maxRetryDelayMs' | 'retryJitter'> = {
      retryBaseMs: config.jobRetryBaseMs,
    },
  ): JobRunner =>
    new JobRunner({
      clock: options.clock,
      queue,
      handler,
      owner,
      concurrency,
      leaseMs: config.jobLeaseMs,
      pollMs: config.workerPollMs,
      ...retry,
      onSettled(job, outcome, durationMs, failure) {
        jobsTotal.inc({ type: job.type, outcome });
        jobDuration.observe({ type: job.type }, durationMs / 1000);
        if (outcome === 'dead') {
          void events
            .publish({
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
              occurred_at: new Date(options.clock.now()).toISOString(),
            })
            .catch((error: unknown) =>
              logger.error({ err: error, job_id: job.id }, 'job.dead event not published'),
            );
        }
        if (outcome === 'failed' || outcome === 'dead' || outcome === 'retried') {
          logger.warn(
            { job_id: job.id, type: job.type, outcome, request_id: job.request_id },
            'job attempt failed',
          );
        }
      },
      onError: (error, job) =>
        logger.error({ err: error, job_id: job.id, type: job.type }, 'job could not be settled'),
    });

  const runners = [
    // Downloads wait on the network, not the CPU: a few run beside each extraction thread.
    runner(
      fetchJobHandler({
        fetcher: options.fetcher,
        documents: documents.fetched,
        maxBytes: Math.min(config.fetchMaxBytes, config.maxUploadBytes),
      }),
      Math.max(2, config.extractionWorkers),
    ),
    runner(
      extractJobHandler({
        extractor: pool,
        documents: documents.extractions,
        limits: extractionLimits(config),
        ocr: config.ocr,
        onPages: (pages) => pagesTotal.inc(pages),
      }),
      pool.concurrency,
    ),
  ];
  if (options.webhooks !== undefined) {
    const deliveries = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retried, failed for good).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const outcomes: DeliveryOutcome[] = ['delivered', 'retried', 'failed'];
    for (const outcome of outcomes) deliveries.inc({ outcome }, 0);
    runners.push(
      // Deliveries wait on receivers, not the CPU; their backoff spans the 24 h retry window.
      runner(
        webhookJobHandler({
          webhooks: options.webhooks,
          fetcher: options.fetcher,
          timeoutMs: config.webhookTimeoutMs,
          onOutcome: (outcome) => deliveries.inc({ outcome }),
        }),
        config.webhookConcurrency,
        {
          retryBaseMs: config.webhookRetryBaseMs,
          maxRetryDelayMs: WEBHOOK_MAX_RETRY_DELAY_MS,
          retryJitter: WEBHOOK_RETRY_JITTER,
        },
      ),
    );
  }

  return {
    start() {
      for (const each of runners) each.start();
    },
    async stop() {
      await Promise.all(runners.map((each) => each.stop()));
    },
  };
}
