/**
 * W3C Trace Context: a valid incoming `traceparent` is continued (same trace id, the caller's
 * span as parent); a missing or malformed one starts a new trace. Each request gets its own
 * span id, so calls it makes downstream (fetches, jobs, webhooks) carry `outgoing`. The trace id
 * goes on the request's log line (request-log) and error lines, not into a per-request child
 * logger: that child cost ~40 µs a request (bench/http.ts).
 *
 * With OpenTelemetry on, @fastify/otel has opened the request's span before this hook (it is
 * registered first, and continued the incoming `traceparent` itself): its ids are the request's.
 */
import { pooledRandomBytes } from '../../shared/random-pool.js';
import { context, trace, type Span } from '@opentelemetry/api';
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
  /** The request's recorded span (tracing on); undefined when tracing is off. */
  span: Span | undefined;
}

/**
 * `bytes` random bytes as hex, never all zeros (an all-zero trace or span id is invalid), from
 * the shared pool: one string per id instead of the slices of two UUIDs (bench/http.ts;
 * docs/adr/0004-request-path-costs.md).
 */
function randomHex(bytes: number): string {
  for (;;) {
    const drawn = pooledRandomBytes(bytes);
    if (drawn.some((byte) => byte !== 0)) return drawn.toString('hex');
  }
}

export function parseTraceparent(header: unknown): TraceContext {
  const spanId = randomHex(8);
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  const valid = match !== null && match[1] !== ZERO_TRACE && match[2] !== ZERO_SPAN;
  const traceId = valid ? (match[1] as string) : randomHex(16);
  const flags = valid ? (match[3] as string) : '01';
  return {
    traceId,
    parentSpanId: valid ? match[2] : undefined,
    spanId,
    flags,
    outgoing: `00-${traceId}-${spanId}-${flags}`,
    span: undefined,
  };
}

/** The ids of the request's recorded span, which continued the caller's trace if it sent one. */
function fromSpan(span: Span, header: unknown): TraceContext {
  const { traceId, spanId, traceFlags } = span.spanContext();
  const flags = traceFlags.toString(16).padStart(2, '0');
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  return {
    traceId,
    parentSpanId: match !== null && match[1] === traceId ? match[2] : undefined,
    spanId,
    flags,
    outgoing: `00-${traceId}-${spanId}-${flags}`,
    span,
  };
}

async function traceContext(app: FastifyInstance): Promise<void> {
  app.decorateRequest('trace', null as unknown as TraceContext);
  app.addHook('onRequest', function continueTrace(request, _reply, done) {
    const span = trace.getSpan(context.active());
    request.trace =
      span !== undefined && span.isRecording()
        ? fromSpan(span, request.headers.traceparent)
        : parseTraceparent(request.headers.traceparent);
    done();
  });
}

export default fp(traceContext, { name: 'quire-trace-context', fastify: '5.x' });
