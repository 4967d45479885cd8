/**
 * OpenTelemetry tracing, off unless the standard variables ask for it: an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and no
 * `OTEL_SDK_DISABLED=true`. The SDK reads the rest itself (`OTEL_SERVICE_NAME`,
 * `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_PROPAGATORS`…).
 *
 * It must start before pg and ioredis are first imported: their instrumentations patch the
 * modules as they load (ESM imports through import-in-the-middle's loader hook, registered here
 * for those two packages only). undici is traced through its diagnostics channels and Fastify
 * through @fastify/otel's plugin (registered by the HTTP server), so neither needs patching.
 * See docs/adr/0007-opentelemetry-node20-pins.md.
 */
import { register } from 'node:module';
import type { FastifyPluginCallback } from 'fastify';

export interface Tracing {
  /** The plugin that opens a span for every request (route template, status, tenant). */
  fastifyPlugin: FastifyPluginCallback;
  /** Flushes the spans not yet exported and stops the SDK. Idempotent. */
  shutdown(): Promise<void>;
}

/** Whether these variables turn tracing on. */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return endpoint !== undefined && endpoint.trim() !== '';
}

let started: Tracing | null | undefined;

/**
 * Starts tracing once per process when the variables ask for it; null when they do not (then
 * nothing of OpenTelemetry is set up: every span call is the API's no-op).
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  if (started !== undefined) return started;
  if (!tracingRequested(env)) {
    started = null;
    return null;
  }
  // Loaded only when tracing is on: a process without it never loads the SDK.
  const [{ createAddHookMessageChannel }, FastifyOtel, ioredis, pg, undici, { NodeSDK }] =
    await Promise.all([
      import('import-in-the-middle'),
      import('@fastify/otel'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/sdk-node'),
    ]);
  // ESM imports of pg and ioredis are patched only through this loader hook; it wraps just the
  // modules an instrumentation asks for (the channel tells it which).
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const fastify = new FastifyOtel.default.FastifyOtelInstrumentation({
    registerOnInitialization: false,
    // One span per request, named by its route template; no span per hook.
    instrumentHooks: false,
    requestHook: (span, request) => {
      span.updateName(`${request.method} ${request.routeOptions.url ?? '(unmatched)'}`);
    },
  });
  const sdk = new NodeSDK({
    instrumentations: [
      fastify,
      // Only calls made for something traced: no root span per heartbeat or poll.
      new pg.PgInstrumentation({ requireParentSpan: true }),
      new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
      new undici.UndiciInstrumentation({ requireParentforSpans: true }),
    ],
    // Metrics stay with prom-client (/metrics), logs with pino.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  let stopping: Promise<void> | undefined;
  started = {
    fastifyPlugin: fastify.plugin() as FastifyPluginCallback,
    shutdown: () => (stopping ??= sdk.shutdown()),
  };
  return started;
}

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | null {
  return started ?? null;
}
