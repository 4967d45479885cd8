/**
 * Counts and times every answered request (`http_requests_total`,
 * `http_request_duration_seconds`, defined in src/observability/metrics.ts), labelled by method,
 * route *pattern* and status, and exposes what GET /metrics serves.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../observability/metrics.js';

export const UNMATCHED_ROUTE = '(unmatched)';

/** What GET /metrics answers: this process's registry, or a whole cluster's (src/api-cluster.ts). */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsPluginOptions {
  metrics: Pick<Metrics, 'registry' | 'httpRequests' | 'httpDuration'>;
  /** Default: the registry alone. */
  exposition?: MetricsExposition;
}

async function metrics(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const { registry, httpRequests: requests, httpDuration: duration } = options.metrics;
  app.decorate('metricsExposition', options.exposition ?? registry);

  app.addHook('onResponse', function countRequest(request, reply, done) {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

export default fp(metrics, { name: 'quire-metrics', fastify: '5.x' });
