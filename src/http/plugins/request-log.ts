/**
 * One log line per request (info; warn for a 503; error for other 5xx), written when the response is done: request_id, trace_id, method,
 * route pattern, path, status, duration and the problem code of an error. Fastify's own two-line
 * request logging is off (app.ts). The line holds only these fixed fields, so it is written by a
 * logger without the redaction pass, which costs ~30 µs a line with our paths (bench/http.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function requestLog(app: FastifyInstance): Promise<void> {
  const lines = app.log.child({}, { redact: { paths: [] } });
  app.addHook('onResponse', function logRequest(request, reply, done) {
    const status = reply.statusCode;
    const line = {
      request_id: request.id,
      trace_id: request.trace.traceId,
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?', 1)[0],
      status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(reply.problemCode === null ? {} : { code: reply.problemCode }),
    };
    // 503 is a refusal the caller should retry (overloaded, no model, a dependency away): warn.
    if (status === 503) lines.warn(line, 'request');
    else if (status >= 500) lines.error(line, 'request');
    else lines.info(line, 'request');
    done();
  });
}

export default fp(requestLog, {
  name: 'quire-request-log',
  fastify: '5.x',
  dependencies: ['quire-trace-context'],
});
