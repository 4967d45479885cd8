/**
 * OpenTelemetry tracing through real processes: Quire started as `quire start` (embedded: SQLite
 * and its SQL queue) and as separate `serve` + `worker` processes (PostgreSQL + BullMQ on Redis),
 * exporting OTLP/HTTP (JSON) to a receiver this test runs. One URL ingestion sent with a
 * `traceparent` must come back as ONE trace continuing the caller's: the request, the fetch job,
 * the extraction job and its extraction, the webhook job and its delivery — across processes in
 * scale-out — while the fetched URL and the webhook receiver see that trace's `traceparent`, the
 * log lines written meanwhile (the request's, the refused first delivery's) carry its trace id, and no API key appears in any attribute. With
 * OTEL_SDK_DISABLED=true nothing is exported.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { api, waitForJob, type Job } from '../helpers/job-processes.js';
import { startOtlpReceiver, traceTree, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { script, startUpstream, type Upstream } from '../helpers/upstream.js';

const CLI = 'src/cli.ts';
/** The caller's trace: a new one for each test, so a late span of another test never counts. */
let CALLER_TRACE = '';
const CALLER_SPAN = '00f067aa0ba902b7';

function otelEnv(receiver: OtlpReceiver, upstream: Upstream): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'quire-test',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    QUIRE_FETCH_ALLOW_HOSTS: upstream.host,
    QUIRE_WORKER_POLL_MS: '50',
    QUIRE_WEBHOOK_RETRY_BASE_MS: '100',
    QUIRE_EXTRACTION_WORKERS: '1',
    QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
  };
}

/** The spans a traced URL ingestion must produce, by name, whoever the process. */
const EXPECTED_SPANS = [
  'POST /v1/documents',
  'enqueue fetch',
  'job fetch',
  'fetch url',
  'enqueue extract',
  'job extract',
  'extract document',
  'enqueue webhook',
  'job webhook',
  'webhook deliver',
];

interface Traced {
  documentId: string;
}

/**
 * Registers a webhook, ingests a URL with the caller's traceparent, and waits for the webhook
 * and for every expected span of the caller's trace.
 */
async function tracedIngestion(
  apiServer: SpawnedServer,
  receiver: OtlpReceiver,
  upstream: Upstream,
): Promise<Traced> {
  await api(apiServer, '/v1/webhooks', { url: upstream.url('/hook'), events: ['document.ready'] });
  const response = await fetch(`${apiServer.url}/v1/documents`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_ADMIN_KEY}`,
      'content-type': 'application/json',
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
    },
    body: JSON.stringify({ url: upstream.url('/paper.txt') }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(response.status, 202, await response.clone().text());
  const created = (await response.json()) as { document: { id: string }; job: Job };
  await waitForJob(apiServer, created.job.id, (job) => job.status === 'succeeded');
  const deadline = Date.now() + 30_000;
  // The receiver refuses the first delivery: the retry is delivered.
  while (upstream.hits('/hook') < 2) {
    assert.ok(Date.now() < deadline, 'no second webhook delivery arrived');
    await sleep(50);
  }
  // Complete: every expected span, and every span's parent (each process exports on its own).
  await receiver.waitFor('every span of the ingestion, joined', (spans) => {
    const ofTrace = spans.filter((span) => span.traceId === CALLER_TRACE);
    const ids = new Set(ofTrace.map((span) => span.spanId));
    return (
      EXPECTED_SPANS.every((name) => ofTrace.some((span) => span.name === name)) &&
      ofTrace.every(
        (span) =>
          span.parentSpanId === CALLER_SPAN ||
          (span.parentSpanId !== undefined && ids.has(span.parentSpanId)),
      )
    );
  });
  return { documentId: created.document.id };
}

function assertOneTrace(receiver: OtlpReceiver, upstream: Upstream): void {
  const ofTrace = receiver.spans.filter((span) => span.traceId === CALLER_TRACE);
  // The request continues the caller's span.
  const request = ofTrace.find((span) => span.name === 'POST /v1/documents');
  assert.ok(request !== undefined);
  assert.equal(request.parentSpanId, CALLER_SPAN, 'the incoming traceparent is continued');
  assert.equal(request.attributes['http.route'], '/v1/documents');
  assert.equal(request.attributes['http.response.status_code'], 202);
  assert.equal(request.attributes['quire.tenant_id'], 'default');
  // Every span has its parent in the trace (none orphaned), except the request's (the caller's).
  const ids = new Set(ofTrace.map((span) => span.spanId));
  for (const span of ofTrace) {
    if (span === request) continue;
    assert.ok(
      span.parentSpanId !== undefined && ids.has(span.parentSpanId),
      `${span.name} is joined to the trace`,
    );
  }
  const extraction = ofTrace.find((span) => span.name === 'extract document');
  assert.equal(extraction?.attributes['quire.document.media_type'], 'text/plain');
  assert.ok(Number(extraction?.attributes['quire.extraction.pages']) >= 1, 'page count');
  // The URL fetch and the webhook delivery carry this trace's traceparent.
  for (const path of ['/paper.txt', '/hook']) {
    const seen = upstream.requests.find((request) => request.path === path);
    const traceparent = String(seen?.headers.traceparent ?? '');
    assert.match(traceparent, new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-01$`), path);
  }
  // No credential in any attribute of any span.
  for (const span of receiver.spans) {
    for (const [key, value] of Object.entries(span.attributes)) {
      const text = `${key}=${String(value)}`;
      assert.ok(!text.includes(TEST_ADMIN_KEY), `${span.name} ${key} holds the API key`);
      assert.ok(!/bearer /i.test(text), `${span.name} ${key} holds an authorization header`);
    }
  }
}

function assertLogsCarryTrace(servers: SpawnedServer[]): void {
  const lines = servers.flatMap((server) => server.logs);
  const request = lines.find(
    (line) => line.msg === 'request' && line.method === 'POST' && line.route === '/v1/documents',
  );
  assert.equal(request?.trace_id, CALLER_TRACE, 'the request line carries the trace id');
}

/** A line the job runner writes (no trace field of its own) carries the job's trace and span. */
function assertJobLogsCarryTrace(servers: SpawnedServer[]): void {
  const failed = servers
    .flatMap((server) => server.logs)
    .find(
      (line) =>
        line.event === 'job.attempt.finished' &&
        line.type === 'webhook' &&
        line.outcome !== 'succeeded',
    );
  assert.ok(failed !== undefined, 'the refused delivery was logged');
  assert.equal(failed.trace_id, CALLER_TRACE, 'the job line carries the trace id');
  assert.match(String(failed.span_id), /^[0-9a-f]{16}$/);
  // …and a line written outside any span carries none.
  const listening = servers[0]?.logs.find((line) => line.msg === 'quire listening');
  assert.ok(listening !== undefined);
  assert.equal(listening.trace_id, undefined);
}

describe('OpenTelemetry tracing (real processes, OTLP/HTTP receiver)', { timeout: 240_000 }, () => {
  let receiver: OtlpReceiver;
  let upstream: Upstream;
  // A fresh receiver and upstream for each test (the upstream's hit counts drive the refused
  // first delivery), and a new caller trace id.
  beforeEach(async () => {
    CALLER_TRACE = randomBytes(16).toString('hex');
    receiver = await startOtlpReceiver();
    upstream = await startUpstream();
    upstream.on(
      '/paper.txt',
      script.status(200, 'A traced paper about tracing.', { 'content-type': 'text/plain' }),
    );
    upstream.on('/hook', script.sequence(script.status(500), script.status(200, 'ok')));
  });
  afterEach(async () => {
    await upstream.close();
    await receiver.close();
  });

  it('embedded: one trace from the request through fetch, extraction and webhook', async (t) => {
    const server = await spawnServer(CLI, otelEnv(receiver, upstream));
    await tracedIngestion(server, receiver, upstream);
    assertOneTrace(receiver, upstream);
    assertLogsCarryTrace([server]);
    assertJobLogsCarryTrace([server]);
    // Search (with its rerank step) is traced inside its request, without the query's text.
    await api(server, '/v1/search', {
      query: 'traced paper',
      rerank: { method: 'lexical', top_n: 5 },
    });
    await receiver.waitFor('the search and rerank spans', (spans) =>
      ['search', 'rerank'].every((name) => spans.some((span) => span.name === name)),
    );
    const search = receiver.spans.find((span) => span.name === 'search');
    const searchRequest = receiver.spans.find((span) => span.name === 'POST /v1/search');
    assert.equal(search?.traceId, searchRequest?.traceId, 'search runs in its request');
    assert.equal(search?.attributes['quire.search.query_chars'], 'traced paper'.length);
    assert.ok(
      !JSON.stringify(search?.attributes).includes('traced paper'),
      'no query text in the span',
    );
    t.diagnostic(`embedded trace:\n${traceTree(receiver.spans, CALLER_TRACE)}`);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  it('scale-out: the trace crosses from the API process to the worker through BullMQ, with database and Redis spans', async (t) => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const env = {
      ...otelEnv(receiver, upstream),
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_REDIS_URL: `${TEST_REDIS_URL}/9`,
      QUIRE_REDIS_PREFIX: `tracing${process.pid}`,
      QUIRE_DATA_DIR: tempDir(), // one blob volume, as a shared mount
    };
    const apiServer = await spawnServer(CLI, { ...env, QUIRE_ROLE: 'api' });
    const worker = await spawnServer(CLI, { ...env, QUIRE_ROLE: 'worker' });
    await tracedIngestion(apiServer, receiver, upstream);
    assertOneTrace(receiver, upstream);
    assertLogsCarryTrace([apiServer, worker]);
    assertJobLogsCarryTrace([worker]);
    const ofTrace = receiver.spans.filter((span) => span.traceId === CALLER_TRACE);
    const pidOf = (name: string): number | undefined =>
      ofTrace.find((span) => span.name === name)?.pid;
    assert.equal(pidOf('POST /v1/documents'), apiServer.child.pid);
    assert.equal(pidOf('job extract'), worker.child.pid, 'the worker process joined the trace');
    assert.ok(
      ofTrace.some((span) => span.scope === '@opentelemetry/instrumentation-pg'),
      'PostgreSQL calls are traced',
    );
    assert.ok(
      ofTrace.some((span) => span.scope === '@opentelemetry/instrumentation-ioredis'),
      'Redis calls are traced',
    );
    t.diagnostic(`scale-out trace:\n${traceTree(receiver.spans, CALLER_TRACE)}`);
    for (const server of [apiServer, worker]) server.child.kill('SIGTERM');
    assert.equal(await apiServer.exited, 0);
    assert.equal(await worker.exited, 0);
  });

  it('OTEL_SDK_DISABLED=true: nothing is exported, and the request still continues the caller’s trace id in its log', async () => {
    const server = await spawnServer(CLI, {
      ...otelEnv(receiver, upstream),
      OTEL_SDK_DISABLED: 'true',
    });
    const response = await fetch(`${server.url}/v1/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({ text: 'not traced' }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(response.status, 202);
    const created = (await response.json()) as { job: Job };
    await waitForJob(server, created.job.id, (job) => job.status === 'succeeded');
    await sleep(1_000); // four export intervals
    assertLogsCarryTrace([server]);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.equal(receiver.posts, 0, 'no export request');
    assert.equal(receiver.spans.length, 0);
  });
});
