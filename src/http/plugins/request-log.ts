/**
 * One log line per request (info; warn for a 503; error for other 5xx), written when the response
 * is done: request_id, trace_id, method, route pattern, path, status, duration and the problem
 * code of an error. Fastify's own two-line request logging is off (app.ts). The line's fields are
 * fixed and hold nothing secret, so it is written as one string in the logger's format
 * (observability/log-line.ts) rather than through pino's general path and redaction.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { lineWriter, type LineLevel } from '../../observability/log-line.js';

const FIELDS = [
  'request_id',
  'trace_id',
  'method',
  'route',
  'path',
  'status',
  'duration_ms',
  'code',
];

async function requestLog(app: FastifyInstance): Promise<void> {
  const write = lineWriter(app.log as Logger, 'request', FIELDS);
  app.addHook('onResponse', function logRequest(request, reply, done) {
    const status = reply.statusCode;
    // 503 is a refusal the caller should retry (overloaded, no model, a dependency away): warn.
    const level: LineLevel = status === 503 ? 'warn' : status >= 500 ? 'error' : 'info';
    const route = request.routeOptions.url;
    const { url } = request;
    const query = url.indexOf('?');
    const code = reply.problemCode;
    write(
      level,
      `,"request_id":${JSON.stringify(request.id)},"trace_id":${JSON.stringify(request.trace.traceId)}` +
        `,"method":${JSON.stringify(request.method)},"route":${route === undefined ? 'null' : JSON.stringify(route)}` +
        `,"path":${JSON.stringify(query === -1 ? url : url.slice(0, query))},"status":${status}` +
        `,"duration_ms":${Math.round(reply.elapsedTime * 100) / 100}` +
        (code === null ? '' : `,"code":${JSON.stringify(code)}`),
    );
    done();
  });
}

export default fp(requestLog, {
  name: 'quire-request-log',
  fastify: '5.x',
  dependencies: ['quire-trace-context'],
});
