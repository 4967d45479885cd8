/**
 * Load shedding: past the configured event-loop delay, heap or RSS, requests are answered at once
 * with 503 OVERLOADED and Retry-After instead of queueing behind a saturated process. Liveness,
 * metrics and health routes opt out (`config.pressureHandler`) so a busy process is not killed or
 * made blind.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';

/** Route config for routes that must answer even under pressure. */
export const EXEMPT_FROM_SHEDDING = { pressureHandler: (): undefined => undefined };

async function loadShedding(app: FastifyInstance): Promise<void> {
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
      const measured =
        typeof value === 'number' ? ` (${type} at ${Math.round(value)})` : ` (${type})`;
      throw new AppError('OVERLOADED', `The server is saturated${measured}; retry later`, {
        retryAfterSeconds,
      });
    },
  });
}

export default fp(loadShedding, {
  name: 'quire-load-shedding',
  fastify: '5.x',
  decorators: { fastify: ['config'] },
});
