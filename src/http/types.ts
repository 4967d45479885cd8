/** What Quire's plugins add to Fastify's types, declared once. */
import type { Config } from '../config.js';
import type { ErrorCode } from '../ports/failures.js';
import type { Principal, RouteClass, Scope } from '../ports/principal.js';
import type { HealthCheck } from '../ports/health.js';
import type { BreakerState } from '../ports/fetcher.js';
import type { MetricsExposition } from './plugins/metrics.js';
import type { ProcessStats } from './plugins/process-stats.js';
import type { TraceContext } from './plugins/trace-context.js';

export interface Lifecycle {
  /** True from the first shutdown signal: /readyz answers 503 from then on. */
  shuttingDown: boolean;
  /** True once the app is closing: the listener is closed and in-flight requests drain. */
  draining: boolean;
  readonly startedAt: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    lifecycle: Lifecycle;
    healthChecks: HealthCheck[];
    metricsExposition: MetricsExposition;
    processStats(): ProcessStats;
    /** Circuit-breaker state per upstream host. */
    breakers(): Record<string, BreakerState>;
    /** Jobs waiting, running, failed and dead, across every process. */
    queueDepth(): Promise<{ waiting: number; active: number; failed: number; dead: number }>;
    /** The load-shedding threshold crossed right now (requests are being shed), or null. */
    sheddingReason(): string | null;
  }
  interface FastifyRequest {
    trace: TraceContext;
    /** The authenticated caller; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyReply {
    /** The catalogue code of the problem this reply answers with; null on success. */
    problemCode: ErrorCode | null;
  }
  interface FastifyContextConfig {
    /** under-pressure's per-route handler; meta routes set one that lets the request through. */
    pressureHandler?: () => undefined;
    /** Answer this route normally while the app drains (liveness, readiness). */
    servedWhileDraining?: boolean;
    /**
     * The scope a caller needs; `any` for any valid credentials (GET /v1/whoami); absent on public
     * (meta) routes. Required under /v1.
     */
    scope?: Scope | 'any';
    /** Which rate limit applies; `none` for probes. Default `meta`. */
    rateClass?: RouteClass | 'none';
  }
}
