/** What Quire's plugins add to Fastify's types, declared once. */
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { HealthCheck } from '../ports/health.js';
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
    metricsRegistry: Registry;
    processStats(): ProcessStats;
  }
  interface FastifyRequest {
    trace: TraceContext;
  }
  interface FastifyContextConfig {
    /** under-pressure's per-route handler; meta routes set one that lets the request through. */
    pressureHandler?: () => undefined;
    /** Answer this route normally while the app drains (liveness, readiness). */
    servedWhileDraining?: boolean;
  }
}
