/**
 * Every HTTP plugin, registered in order. Cross-cutting ones come first, outermost first: their
 * onRequest hooks run in this order, so everything a response must carry (id, security and CORS
 * headers) is set before the first hook that can reject the request. Then the request gates:
 * who may call, how often, idempotency, multipart limits, and the OpenAPI document.
 */
import cluster from 'node:cluster';
import multipart from '@fastify/multipart';
import { isDependencyFailure } from '../adapters/dependency-failures.js';
import type { Config } from '../config.js';
import auth from '../http/plugins/auth.js';
import compression from '../http/plugins/compression.js';
import corsPolicy from '../http/plugins/cors.js';
import errorHandler from '../http/plugins/error-handler.js';
import idempotency from '../http/plugins/idempotency.js';
import lifecycle from '../http/plugins/lifecycle.js';
import loadShedding from '../http/plugins/load-shedding.js';
import metricsPlugin from '../http/plugins/metrics.js';
import openapi from '../http/plugins/openapi.js';
import processStats from '../http/plugins/process-stats.js';
import rateLimit from '../http/plugins/rate-limit.js';
import rejectionStats from '../http/plugins/rejection-stats.js';
import requestId from '../http/plugins/request-id.js';
import requestLog from '../http/plugins/request-log.js';
import securityHeaders from '../http/plugins/security-headers.js';
import serverTiming from '../http/plugins/server-timing.js';
import traceContext from '../http/plugins/trace-context.js';
import unreadBody from '../http/plugins/unread-body.js';
import type { Metrics } from '../observability/metrics.js';
import { API_PROCESS_ENV } from '../api-cluster.js';
import type { HealthCheck } from '../ports/health.js';
import type { Adapters } from './adapters.js';
import { clusterMetricsExposition } from './cluster-metrics.js';
import type { App } from './http-server.js';
import type { Services } from './services.js';
import { activeTracing } from './tracing.js';

/** One of the processes of `QUIRE_API_PROCESSES` > 1 (not any node:cluster worker, e.g. PM2's). */
function inApiCluster(): boolean {
  return cluster.isWorker && process.env[API_PROCESS_ENV] !== undefined;
}

/** Each plugin is one concern in src/http/plugins/. */
export async function registerCrossCutting(app: App, metrics: Metrics): Promise<void> {
  await app.register(requestId);
  // First of the hooks that see a request: its span is active for every later hook and handler.
  const tracing = activeTracing();
  if (tracing !== null) await app.register(tracing.fastifyPlugin);
  await app.register(traceContext);
  await app.register(serverTiming);
  await app.register(requestLog);
  await app.register(metricsPlugin, {
    metrics,
    ...(inApiCluster() ? { exposition: clusterMetricsExposition(metrics.registry) } : {}),
  });
  await app.register(processStats);
  await app.register(securityHeaders);
  await app.register(corsPolicy);
  await app.register(errorHandler, { isDependencyFailure });
  await app.register(lifecycle);
  await app.register(unreadBody);
  await app.register(compression);
  await app.register(loadShedding, { shed: metrics.shedRequests });
}

export interface GateContext {
  config: Config;
  adapters: Adapters;
  services: Services;
  metrics: Metrics;
}

export async function registerRequestGates(
  app: App,
  { config, adapters, services, metrics }: GateContext,
): Promise<void> {
  // Who may call, then how often: the principal decides which limit applies.
  await app.register(auth, {
    enabled: config.auth,
    apiKeys: services.apiKeys,
    jwt: services.jwt,
    guard: services.authFailures,
    audit: adapters.audit,
    failures: metrics.authFailures,
  });
  await app.register(rateLimit, {
    limiter: services.limiter,
    rejections: metrics.rateLimitRejections,
  });
  await app.register(rejectionStats, { stats: services.rejections });
  await app.register(idempotency, {
    store: adapters.idempotency,
    ttlMs: config.idempotencyTtlS * 1000,
  });
  // Uploads are streamed part by part; these limits stop a request before it costs anything.
  await app.register(multipart, {
    limits: {
      fileSize: config.maxUploadBytes + 1, // the blob store answers 413 past the real limit
      files: 1,
      fields: 10,
      fieldSize: config.multipartFieldBytes,
      parts: 20,
      headerPairs: 200,
    },
    throwFileSizeLimit: true,
  });
  // After the request decorators above (child contexts see only those made before them), before
  // the routes it documents.
  await app.register(openapi);
}

/** What GET /health and /readyz read: dependency checks, queue depth, circuit breakers. */
export function exposeOperationalState(app: App, adapters: Adapters, checks: HealthCheck[]): void {
  app.healthChecks.push(...checks);
  app.decorate('queueDepth', async () => {
    const counts = await adapters.uow.stores.jobs.countByStatus();
    return {
      waiting: counts.queued,
      active: counts.running,
      failed: counts.failed,
      dead: counts.dead,
    };
  });
  app.decorate('breakers', () => adapters.fetcher.breakers());
}
