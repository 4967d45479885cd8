/**
 * /health tells the truth through HTTP: `degraded`, with the reason, while requests are being
 * shed, while the queue is backed up past QUIRE_HEALTH_MAX_QUEUED_JOBS, and while the database
 * answers but slowly (through a proxy that holds its traffic) — and `ok` again once each is over.
 * (An open circuit breaker: test/system/url-ingest.test.ts, where a real upstream fails.)
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { buildTestApp, onCleanup, type TestApp } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { startTcpProxy } from '../../../helpers/tcp-proxy.js';

interface Health {
  status: string;
  degraded_reasons: { reason: string; detail: string }[];
}

async function health(t: TestApp): Promise<{ statusCode: number; body: Health }> {
  const response = await t.app.inject({ method: 'GET', url: '/health', headers: t.admin });
  return { statusCode: response.statusCode, body: response.json() as Health };
}

/** Polls /health until `accept` holds (the signals behind it are sampled, not instant). */
async function healthUntil(
  t: TestApp,
  accept: (body: Health) => boolean,
  timeoutMs = 10_000,
): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await health(t);
    if (accept(body)) return body;
    if (Date.now() > deadline) assert.fail(`/health stayed ${JSON.stringify(body)}`);
    await sleep(50);
  }
}

function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy-wait on purpose: what a CPU-bound request does to the event loop.
  }
}

const isOk = (body: Health): boolean => body.status === 'ok';

describe('/health degraded, with the reason', { timeout: 120_000 }, () => {
  it('while requests are shed: degraded (shedding, event_loop_delay), counted by reason; ok after', async () => {
    const t = await buildTestApp({
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '20',
      QUIRE_PRESSURE_SAMPLE_INTERVAL_MS: '200',
    });
    t.app.get('/test/block', async () => {
      blockEventLoop(2000);
      return { blocked: true };
    });
    await t.app.ready();
    await healthUntil(t, isOk);

    await t.app.inject({ method: 'GET', url: '/test/block' });
    await sleep(20); // the overdue sampler runs first and records the stall
    const shed = await t.app.inject({ method: 'GET', url: '/v1/documents', headers: t.admin });
    assert.equal(shed.statusCode, 503, 'requests are being shed');
    const { statusCode, body } = await health(t);
    assert.equal(statusCode, 200, '/health itself is never shed');
    assert.equal(body.status, 'degraded');
    assert.deepEqual(body.degraded_reasons, [{ reason: 'shedding', detail: 'event_loop_delay' }]);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /http_requests_shed_total\{reason="event_loop_delay"\} [1-9]/);
    assert.match(metrics.body, /http_requests_shed_total\{reason="heap_used"\} 0/);

    const back = await healthUntil(t, isOk); // a few quiet samples later
    assert.deepEqual(back.degraded_reasons, []);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/v1/documents', headers: t.admin })).statusCode,
      200,
    );
  });

  it('while more jobs are queued than QUIRE_HEALTH_MAX_QUEUED_JOBS: degraded (queue_backlog); ok once they are gone', async () => {
    // An API-only process runs no jobs, so what it enqueues stays queued.
    const t = await buildTestApp({ QUIRE_ROLE: 'api', QUIRE_HEALTH_MAX_QUEUED_JOBS: '1' });
    const ids: string[] = [];
    for (const text of ['first queued document', 'second queued document']) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/documents',
        headers: t.admin,
        payload: { text },
      });
      assert.equal(created.statusCode, 202, created.body);
      ids.push((created.json() as { document: { id: string } }).document.id);
      if (ids.length === 1) assert.equal((await health(t)).body.status, 'ok', 'at the threshold');
    }
    const backedUp = await health(t);
    assert.equal(backedUp.statusCode, 200, 'degraded still serves');
    assert.equal(backedUp.body.status, 'degraded');
    assert.deepEqual(backedUp.body.degraded_reasons, [
      { reason: 'queue_backlog', detail: '2 queued' },
    ]);

    for (const id of ids) {
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/v1/documents/${id}`,
        headers: t.admin,
      });
      assert.equal(deleted.statusCode, 204, deleted.body);
    }
    assert.equal((await health(t)).body.status, 'ok');
  });

  it('while the database answers slowly: degraded (slow_dependency, database); ok once it is fast', async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const target = new URL(schema.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    onCleanup(() => proxy.close());
    const viaProxy = new URL(schema.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const t = await buildTestApp({
      QUIRE_DATABASE_URL: viaProxy.toString(),
      QUIRE_HEALTH_SLOW_CHECK_MS: '100',
    });
    await healthUntil(t, isOk);

    proxy.delay(250);
    const slow = await healthUntil(t, (body) => body.status === 'degraded');
    // The embedded queue is the jobs table, so it is as slow as the database it lives in.
    assert.deepEqual(
      slow.degraded_reasons.map(({ reason, detail }) => `${reason}: ${detail.split(' ')[0]}`),
      ['slow_dependency: database', 'slow_dependency: queue'],
      JSON.stringify(slow),
    );
    assert.match(slow.degraded_reasons[0]?.detail ?? '', /^database \(\d+(\.\d+)? ms\)$/);

    proxy.delay(0);
    await healthUntil(t, isOk);
  });
});
