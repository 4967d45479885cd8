/**
 * Every Prometheus metric Quire exports, defined in one place: names, help, labels and buckets.
 * Plugins, services and job runners are handed the metric they feed; none defines its own. Route
 * patterns, never raw URLs or ids, become labels (prom-client keeps every label set forever).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../ports/fetcher.js';
import type { JobStatus } from '../ports/job-store.js';

/** What the gauges read when Prometheus scrapes. */
export interface GaugeSources {
  /** Jobs per status across every process (the job store). */
  jobCounts(): Promise<Record<JobStatus, number>>;
  /** Circuit breakers per upstream host (the fetcher). */
  breakers(): Record<string, BreakerState>;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** The metrics of every process: HTTP, auth, limits, webhooks publishing, rerank, gauges. */
export function createMetrics(sources: GaugeSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
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
    rateLimitRejections: new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429 by the rate limits, by route class.',
      labelNames: ['tier'] as const,
      registers,
    }),
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
    extractionPages: new Counter({
      name: 'extraction_pages_total',
      help: 'Pages extracted.',
      registers,
    }),
    webhookDeliveries,
  };
}

export type JobMetrics = ReturnType<typeof createJobMetrics>;
