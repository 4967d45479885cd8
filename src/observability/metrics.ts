/**
 * Every Prometheus metric Quire exports, defined in one place: names, help, labels and buckets.
 * Plugins, services and job runners are handed the metric they feed; none defines its own. Route
 * patterns, never raw URLs or ids, become labels (prom-client keeps every label set forever).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../ports/fetcher.js';
import { ROUTE_CLASSES } from '../ports/principal.js';
import { JOB_TYPES, type JobStatus } from '../ports/job-store.js';

/** What the gauges read when Prometheus scrapes. */
export interface GaugeSources {
  /** Jobs per status across every process (the job store). */
  jobCounts(): Promise<Record<JobStatus, number>>;
  /** Circuit breakers per upstream host (the fetcher). */
  breakers(): Record<string, BreakerState>;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Why load shedding refused a request (under-pressure's checks, in snake case). */
export const SHED_REASONS = [
  'event_loop_delay',
  'event_loop_utilization',
  'heap_used',
  'rss',
] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

/** Database statements by kind: a bounded label whatever the SQL. */
export const DATABASE_OPERATIONS = ['select', 'insert', 'update', 'delete', 'other'] as const;
export type DatabaseOperation = (typeof DATABASE_OPERATIONS)[number];

/** Storage calls take well under a millisecond (SQLite) to seconds (S3, a busy PostgreSQL). */
const STORAGE_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A registry with the default process metrics (CPU, memory, GC, event-loop delay). */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Latency of the storage adapters' calls. Made before the adapters (which report to it), in the
 * registry every other metric joins.
 */
export function createStorageMetrics(registry: Registry) {
  const registers = [registry];
  return {
    databaseQueryDuration: new Histogram({
      name: 'database_query_duration_seconds',
      help: 'Time of one database statement, by kind (select, insert, update, delete, other).',
      labelNames: ['operation'] as const,
      buckets: STORAGE_BUCKETS,
      registers,
    }),
    blobStoreDuration: new Histogram({
      name: 'blob_store_operation_duration_seconds',
      help: 'Time of one blob store call (staging and reading include the bytes streamed), by operation and outcome.',
      labelNames: ['operation', 'outcome'] as const,
      buckets: STORAGE_BUCKETS,
      registers,
    }),
  };
}

export type StorageMetrics = ReturnType<typeof createStorageMetrics>;

/**
 * The extraction threads alive in this process and how many of them have warmed up (pdf.js
 * loaded): a process that runs jobs has its warm ones from the start, an API process none until
 * /v1/convert needs one.
 */
export function createExtractionThreadMetrics(
  registry: Registry,
  threads: () => { threads: number; warm: number },
) {
  return new Gauge({
    name: 'extraction_threads',
    help: 'Extraction worker threads of this process: alive, and warm (warmed up, ready for a document).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const counts = threads();
      this.set({ state: 'alive' }, counts.threads);
      this.set({ state: 'warm' }, counts.warm);
    },
  });
}

/** The metrics of every process: HTTP, auth, limits, webhooks publishing, rerank, gauges. */
export function createMetrics(sources: GaugeSources, registry: Registry = createRegistry()) {
  const registers = [registry];
  const shedRequests = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests answered 503 OVERLOADED by load shedding, by the threshold crossed.',
    labelNames: ['reason'] as const,
    registers,
  });
  // Every reason is exported from the start, so a rate over it is defined before the first shed.
  for (const reason of SHED_REASONS) shedRequests.inc({ reason }, 0);
  const readiness = new Gauge({
    name: 'readiness_status',
    help: 'What this process last answered on /readyz: 1 ready, 0 not ready (before any probe: 1).',
    // Across a cluster's API processes (src/api-cluster.ts): 0 when any one is not ready.
    aggregator: 'min',
    registers,
  });
  readiness.set(1);
  const rateLimitRejections = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused with 429 by the rate limits, by route class.',
    labelNames: ['tier'] as const,
    registers,
  });
  for (const tier of ROUTE_CLASSES) rateLimitRejections.inc({ tier }, 0);
  return {
    registry,
    shedRequests,
    readiness,
    readinessChanges: new Counter({
      name: 'readiness_changes_total',
      help: 'Times the /readyz answer of this process flipped between ready and not ready.',
      registers,
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request received to response sent, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    authFailures: new Counter({
      name: 'auth_failures_total',
      help: 'Requests refused by authentication or scope checks, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    rateLimitRejections,
    rateLimitStoreErrors: new Counter({
      name: 'rate_limit_store_errors_total',
      help: 'Failed calls to the rate-limit store (Redis); requests then pass (fail open) or get 503.',
      registers,
    }),
    webhookPublishErrors: new Counter({
      name: 'webhook_publish_errors_total',
      help: 'Events that could not be turned into webhook deliveries (logged; nothing was sent).',
      registers,
    }),
    rerankDegraded: new Counter({
      name: 'rerank_degraded_total',
      help: 'Hybrid rerank and similarity answers that fell back to lexical, by why the model was not used.',
      labelNames: ['reason'] as const,
      registers,
    }),
    searchDegraded: new Counter({
      name: 'search_degraded_total',
      help: 'Hybrid searches answered lexically, by why the model was not used.',
      labelNames: ['reason'] as const,
      registers,
    }),
    passageEmbeddings: new Counter({
      name: 'passage_embeddings_total',
      help: 'Passages embedded when indexed (outcome embedded), or left without a vector because the model was unavailable (outcome missing; filled by the re-index at the next start).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    passageEmbeddingSeconds: new Counter({
      name: 'passage_embedding_seconds_total',
      help: 'Time spent embedding passages at indexing.',
      registers,
    }),
    rerankLexicalTasks: new Counter({
      name: 'rerank_lexical_tasks_total',
      help: 'Lexical rerank and similarity scoring tasks, by where the cost estimate placed them: inline (the event loop) or pool (worker threads).',
      labelNames: ['where'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'queue_depth',
      help: 'Jobs by state (queued, running, failed, dead, …), across every process.',
      labelNames: ['state'] as const,
      // Every API process reads the same store: a cluster reports it once, not summed.
      aggregator: 'max',
      registers,
      async collect() {
        const counts = await sources.jobCounts();
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    }),
    circuitBreakers: new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breakers per upstream host: 0 closed, 1 half open, 2 open.',
      labelNames: ['name'] as const,
      // A cluster's worst state per host, as /health reports it.
      aggregator: 'max',
      registers,
      collect() {
        this.reset();
        for (const [name, state] of Object.entries(sources.breakers()))
          this.set({ name }, BREAKER_VALUE[state]);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export const WEBHOOK_DELIVERY_OUTCOMES = ['delivered', 'retried', 'failed'] as const;

/** How a job ended for good, for the attempts it took. */
export const FINAL_JOB_OUTCOMES = ['succeeded', 'failed', 'dead'] as const;

/** The background side's metrics, registered only in processes that run jobs. */
export function createJobMetrics(registry: Registry) {
  const registers = [registry];
  const webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, retried, failed for good).',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Every outcome is exported from the start, so a rate over it is defined before the first.
  for (const outcome of WEBHOOK_DELIVERY_OUTCOMES) webhookDeliveries.inc({ outcome }, 0);
  const jobQueueWait = new Histogram({
    name: 'job_queue_wait_seconds',
    help: 'Time from a job being due (enqueued, or its retry time) to an attempt starting, by type.',
    labelNames: ['type'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  });
  // Each type's series exist from the start, so a quantile over them is defined before a job.
  for (const type of JOB_TYPES) jobQueueWait.zero({ type });
  return {
    jobs: new Counter({
      name: 'jobs_total',
      help: 'Job attempts by type and outcome (succeeded, retried, failed, dead, lost, requeued).',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Time of one job attempt, by type.',
      labelNames: ['type'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    jobFailures: new Counter({
      name: 'job_failures_total',
      help: 'Failed job attempts by type and failure code (the error registry: a bounded set).',
      labelNames: ['type', 'code'] as const,
      registers,
    }),
    jobQueueWait,
    jobAttempts: new Histogram({
      name: 'job_attempts',
      help: 'Attempts a job took, observed when it ended for good, by type and final outcome (succeeded, failed, dead).',
      labelNames: ['type', 'outcome'] as const,
      buckets: [1, 2, 3, 5, 8, 13, 21, 36],
      registers,
    }),
    extractionPages: new Counter({
      name: 'extraction_pages_total',
      help: 'Pages extracted.',
      registers,
    }),
    extractionDuration: new Histogram({
      name: 'extraction_duration_seconds',
      help: 'Time to extract one document in the worker pool, by media type and outcome (ok, or the failure code).',
      labelNames: ['media_type', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    extractionDocumentPages: new Histogram({
      name: 'extraction_document_pages',
      help: 'Pages of each document extracted, by media type.',
      labelNames: ['media_type'] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    }),
    webhookDeliveryDuration: new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Time of one webhook POST until the receiver answered or failed, by result (success: a 2xx; failure: anything else).',
      labelNames: ['result'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    webhookDeliveries,
  };
}

export type JobMetrics = ReturnType<typeof createJobMetrics>;
