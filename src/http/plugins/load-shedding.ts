/**
 * Load shedding: past the configured event-loop delay, heap or RSS, requests are answered at once
 * with 503 OVERLOADED and Retry-After instead of queueing behind a saturated process. Liveness,
 * metrics and health routes opt out (`config.pressureHandler`) so a busy process is not killed or
 * made blind.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Counter } from 'prom-client';
import { AppError } from '../../errors.js';
import type { ShedReason } from '../../observability/metrics.js';

/** Route config for routes that must answer even under pressure. */
export const EXEMPT_FROM_SHEDDING = { pressureHandler: (): undefined => undefined };

/** under-pressure's names for its checks, as the `reason` label and /health detail say them. */
const REASONS: Record<string, ShedReason> = {
  eventLoopDelay: 'event_loop_delay',
  eventLoopUtilization: 'event_loop_utilization',
  heapUsedBytes: 'heap_used',
  rssBytes: 'rss',
};

export interface LoadSheddingOptions {
  /** http_requests_shed_total{reason}. */
  shed: Pick<Counter<'reason'>, 'inc'>;
}

async function loadShedding(app: FastifyInstance, options: LoadSheddingOptions): Promise<void> {
  const { config } = app;
  const retryAfterSeconds = config.overloadRetryAfterSeconds;
  // Building the app (schemas compiled, routes registered) blocks the loop once, before it
  // listens; the first samples after start would shed the first requests for that. They are not
  // judged until two sample intervals after ready.
  let judgeDelayFrom = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    judgeDelayFrom = Date.now() + 2 * config.pressureSampleIntervalMs;
  });
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    maxHeapUsedBytes: config.maxHeapUsedBytes,
    maxRssBytes: config.maxRssBytes,
    sampleInterval: config.pressureSampleIntervalMs,
    retryAfter: retryAfterSeconds,
    pressureHandler: async (_request, _reply, type, value) => {
      if (type === 'eventLoopDelay' && Date.now() < judgeDelayFrom) return undefined;
      const reason = REASONS[type];
      if (reason !== undefined) options.shed.inc({ reason });
      const measured =
        typeof value === 'number' ? ` (${type} at ${Math.round(value)})` : ` (${type})`;
      throw new AppError('OVERLOADED', `The server is saturated${measured}; retry later`, {
        retryAfterSeconds,
      });
    },
  });
  // What /health reports: the threshold crossed by the last sample, judged as requests are.
  app.decorate('sheddingReason', (): string | null => {
    const { eventLoopDelay, heapUsed, rssBytes } = app.memoryUsage();
    if (
      config.maxEventLoopDelayMs > 0 &&
      eventLoopDelay > config.maxEventLoopDelayMs &&
      Date.now() >= judgeDelayFrom
    )
      return 'event_loop_delay';
    if (config.maxHeapUsedBytes > 0 && heapUsed > config.maxHeapUsedBytes) return 'heap_used';
    if (config.maxRssBytes > 0 && rssBytes > config.maxRssBytes) return 'rss';
    return null;
  });
}

export default fp(loadShedding, {
  name: 'quire-load-shedding',
  fastify: '5.x',
  decorators: { fastify: ['config'] },
});
