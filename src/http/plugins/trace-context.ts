/**
 * W3C Trace Context: a valid incoming `traceparent` is continued (same trace id, the caller's
 * span as parent); a missing or malformed one starts a new trace. Each request gets its own
 * span id, so calls it makes downstream (fetches, jobs, webhooks) carry `outgoing`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceContext {
  traceId: string;
  /** The caller's span id, when the request carried a valid traceparent. */
  parentSpanId: string | undefined;
  spanId: string;
  flags: string;
  /** The `traceparent` to send on calls made for this request. */
  outgoing: string;
}

export function parseTraceparent(header: unknown): TraceContext {
  const spanId = randomBytes(8).toString('hex');
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  const valid = match !== null && match[1] !== ZERO_TRACE && match[2] !== ZERO_SPAN;
  const traceId = valid ? (match[1] as string) : randomBytes(16).toString('hex');
  const flags = valid ? (match[3] as string) : '01';
  return {
    traceId,
    parentSpanId: valid ? match[2] : undefined,
    spanId,
    flags,
    outgoing: `00-${traceId}-${spanId}-${flags}`,
  };
}

async function traceContext(app: FastifyInstance): Promise<void> {
  app.decorateRequest('trace', null as unknown as TraceContext);
  app.addHook('onRequest', async function continueTrace(request) {
    request.trace = parseTraceparent(request.headers.traceparent);
    request.log = request.log.child({ trace_id: request.trace.traceId });
  });
}

export default fp(traceContext, { name: 'quire-trace-context', fastify: '5.x' });
