/** Meta endpoints through HTTP: liveness, readiness, health, metrics, OpenAPI and /docs. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, onCleanup, type TestApp } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { assertProblem } from '../helpers/problem.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

describe('liveness, readiness, health', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('GET /livez answers ok', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/livez' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok' });
  });

  it('GET /readyz checks the database', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.database.status, 'ok');
    assert.equal(typeof body.checks.database.latency_ms, 'number');
  });

  it('GET /health reports version, uptime, checks, process figures and breakers', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health', headers: t.admin });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.status, 'ok');
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof body.uptime_s, 'number');
    assert.equal(body.checks.database.status, 'ok');
    assert.ok(body.process.rss_mb > 0);
    assert.ok(body.process.heap_used_mb > 0);
    assert.equal(typeof body.process.event_loop_delay_p99_ms, 'number');
    assert.deepEqual(body.breakers, {});
  });
});

describe('readiness follows the database (PostgreSQL behind a proxy the test cuts)', () => {
  it('answers 503 while the database is unreachable and 200 again once it is back', async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const target = new URL(schema.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    onCleanup(() => proxy.close());
    target.host = `127.0.0.1:${proxy.port}`;
    const t = await buildTestApp({
      QUIRE_DATABASE_URL: target.toString(),
      QUIRE_READY_CHECK_TIMEOUT_MS: '1000',
    });

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    // The admin key is verified (and cached) while the database is up.
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/health', headers: t.admin })).statusCode,
      200,
    );

    await proxy.cut();
    const down = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().status, 'not_ready');
    assert.equal(down.json().checks.database.status, 'fail');
    assert.equal(down.json().checks.database.error, undefined, 'readyz leaks no internal message');
    const health = await t.app.inject({ method: 'GET', url: '/health', headers: t.admin });
    assert.equal(health.statusCode, 503);
    assert.equal(health.json().status, 'unhealthy');
    assert.equal(typeof health.json().checks.database.error, 'string');
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/livez' })).statusCode,
      200,
      'liveness is unaffected',
    );
    // A request that needs the database answers 503 DEPENDENCY_UNAVAILABLE, not 500.
    const fresh = await t.app.inject({
      method: 'GET',
      url: '/v1/admin/api-keys',
      headers: { authorization: 'Bearer qk_unknown-key-000000000000000000000000000' },
    });
    assertProblem(fresh, 503, 'DEPENDENCY_UNAVAILABLE');
    assert.ok(Number(fresh.headers['retry-after']) >= 1);

    await proxy.restore();
    const back = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(back.statusCode, 200);
  });
});

describe('metrics', () => {
  it('counts requests by method, route pattern and status, with durations and process metrics', async () => {
    const t = await buildTestApp();
    t.app.get('/test/items/:id', async () => ({ ok: true }));
    await t.app.inject({ method: 'GET', url: '/livez' });
    await t.app.inject({ method: 'GET', url: '/livez' });
    await t.app.inject({ method: 'GET', url: '/test/items/1' });
    await t.app.inject({ method: 'GET', url: '/test/items/2' });
    await t.app.inject({ method: 'GET', url: '/no/such/route' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    const text = response.body;
    assert.match(text, /http_requests_total\{method="GET",route="\/livez",status="200"\} 2\n/);
    assert.match(
      text,
      /http_requests_total\{method="GET",route="\/test\/items\/:id",status="200"\} 2\n/,
    );
    assert.match(
      text,
      /http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} 1\n/,
    );
    assert.doesNotMatch(text, /items\/1|no\/such\/route/, 'raw URLs never become labels');
    assert.match(
      text,
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/livez",status="200"\}/,
    );
    assert.match(text, /process_cpu_user_seconds_total/);
    assert.match(text, /nodejs_eventloop_lag_seconds/);
  });

  it('needs the bearer token when QUIRE_METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const t = await buildTestApp({ QUIRE_METRICS_TOKEN: token });
    assertProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHENTICATED');
    assertProblem(
      await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer wrong-token-0123456789' },
      }),
      401,
      'UNAUTHENTICATED',
    );
    const ok = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.statusCode, 200);
  });
});

describe('OpenAPI and /docs', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });

  it('GET /openapi.json is an OpenAPI 3.1 document of the routes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'Quire API');
    for (const path of ['/livez', '/readyz', '/health', '/metrics'])
      assert.ok(doc.paths[path], `documents ${path}`);
    assert.ok(doc.components.schemas.Problem, 'the problem schema is a component');
    assert.equal(doc.paths['/openapi.json'], undefined);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer']);
    assert.deepEqual(doc.paths['/v1/documents'].get.security, [{ bearer: [] }, { apiKey: [] }]);
    assert.match(
      doc.paths['/v1/documents'].get.description,
      /scope `documents:read`; rate class `read`/,
    );
    assert.deepEqual(doc.paths['/livez'].get.security, []);
    assert.ok(doc.paths['/v1/documents/{id}/file'], 'documents are documented');
  });

  it('GET /docs serves the interactive reference from the package (no CDN)', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /swagger-ui/i);
    assert.doesNotMatch(page.body, /https?:\/\/(cdn|unpkg|jsdelivr)/);
  });
});
