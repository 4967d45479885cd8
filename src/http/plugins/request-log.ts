/**
 * One log line per request, written when the response is done: request_id (bound by Fastify),
 * trace_id, method, route pattern, path, status, duration. Fastify's own two-line request logging
 * is switched off in app.ts so this is the only one.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function requestLog(app: FastifyInstance): Promise<void> {
  app.addHook('onResponse', async function logRequest(request, reply) {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?', 1)[0],
      status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(reply.problemCode === null ? {} : { code: reply.problemCode }),
    };
    if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  });
}

export default fp(requestLog, { name: 'quire-request-log', fastify: '5.x' });
