/**
 * Spans through the OpenTelemetry API only. Without a registered SDK (tracing off) every call
 * here is the API's no-op: no span is recorded and nothing is allocated beyond a shared empty
 * span, so the hot path pays nothing measurable (bench/http.ts).
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

export { SpanKind, type Attributes, type Span };

const TRACER_NAME = 'quire';

/** The W3C headers (`traceparent`, `tracestate`, `baggage`) that carry a trace across processes. */
export type TraceCarrier = Record<string, string>;

/**
 * Runs `work` inside a new span (a child of the active one, or of `parent`), ending it when the
 * work settles and recording a thrown error on it.
 */
export async function inSpan<T>(
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const spanOptions = {
    ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
    ...(options.kind === undefined ? {} : { kind: options.kind }),
  };
  return tracer.startActiveSpan(
    name,
    spanOptions,
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The active span's context as W3C headers; undefined when there is no trace to carry. */
export function activeTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent === undefined ? undefined : carrier;
}

/** The context a carrier written by `activeTraceCarrier` (maybe in another process) continues. */
export function contextFromCarrier(carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return context.active();
  const headers: TraceCarrier = {};
  for (const [key, value] of Object.entries(carrier)) {
    if (typeof value === 'string') headers[key] = value;
  }
  return propagation.extract(context.active(), headers);
}

/** The active span's ids for a log line; undefined outside any recorded span. */
export function activeSpanIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  if (span === undefined) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * A producer span for a job being queued (ended at once: the queueing is the insert the caller
 * makes next), and its context as W3C headers, which the job keeps so that the worker's run span
 * (in this process or another) is its child. Undefined when tracing is off or nothing is traced.
 */
export function enqueueCarrier(name: string, attributes: Attributes): TraceCarrier | undefined {
  const active = context.active();
  if (trace.getSpan(active) === undefined) return undefined;
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(name, { kind: SpanKind.PRODUCER, attributes }, active);
  const carrier: TraceCarrier = {};
  propagation.inject(trace.setSpan(active, span), carrier);
  span.end();
  return carrier.traceparent === undefined ? undefined : carrier;
}
