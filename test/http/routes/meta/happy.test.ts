/** Meta endpoints through HTTP when all goes well: liveness, readiness, health and OpenAPI. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildTestApp, type TestApp } from '../../../helpers/app.js';

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

describe('OpenAPI document', () => {
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
});
