/**
 * An OTLP/HTTP trace receiver on 127.0.0.1 for tracing tests: a plain node:http server that takes
 * `POST /v1/traces` in OTLP's JSON encoding (the exporter's `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`)
 * and keeps every span it is sent, flattened.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
};

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: AnyValue }[];
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: { scope?: { name: string }; spans?: OtlpSpan[] }[];
  }[];
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  scope: string;
  service: string;
  /** Process id of the exporter (the resource's `process.pid`). */
  pid: number;
  startNs: bigint;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  spans: ReceivedSpan[];
  /** How many export requests arrived. */
  readonly posts: number;
  waitFor(
    what: string,
    until: (spans: ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

function valueOf(value: AnyValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return JSON.stringify(value);
}

function attributesOf(list: { key: string; value: AnyValue }[] = []): ReceivedSpan['attributes'] {
  return Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  let posts = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      posts++;
      const traces = JSON.parse(body) as OtlpTraces;
      for (const resourceSpans of traces.resourceSpans ?? []) {
        const resource = attributesOf(resourceSpans.resource?.attributes);
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            const start = BigInt(span.startTimeUnixNano);
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              scope: scopeSpans.scope?.name ?? '',
              service: String(resource['service.name']),
              pid: Number(resource['process.pid']),
              startNs: start,
              durationMs: Number(BigInt(span.endTimeUnixNano) - start) / 1e6,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans,
    get posts() {
      return posts;
    },
    async waitFor(what, until, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!until(spans)) {
        if (Date.now() > deadline)
          assert.fail(`${what}: not received within ${timeoutMs} ms; got ${describe(spans)}`);
        await sleep(50);
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Names and trace ids; `^parent` marks a span whose parent has not arrived. */
function describe(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  return (
    spans
      .map((span) => {
        const orphan =
          span.parentSpanId !== undefined && !ids.has(span.parentSpanId)
            ? ` ^${span.parentSpanId}`
            : '';
        return `${span.name}@${span.traceId.slice(0, 8)}[pid ${span.pid}]${orphan}`;
      })
      .join(', ') || 'nothing'
  );
}

/** One trace as an indented tree: name, duration, process — for the test's output. */
export function traceTree(spans: ReceivedSpan[], traceId: string): string {
  const ofTrace = spans
    .filter((span) => span.traceId === traceId)
    .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const ids = new Set(ofTrace.map((span) => span.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of ofTrace) {
    const parent =
      span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const origin = ofTrace[0]?.startNs ?? 0n;
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of children.get(parent) ?? []) {
      const offset = Number(span.startNs - origin) / 1e6;
      lines.push(
        `${'  '.repeat(depth)}${span.name}  +${offset.toFixed(1)} ms  ${span.durationMs.toFixed(2)} ms  [pid ${span.pid}]`,
      );
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
