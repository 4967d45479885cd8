/**
 * Meta endpoints through HTTP while the database is unreachable: /readyz and /health answer 503,
 * /livez still 200, and a request that needs the database 503 DEPENDENCY_UNAVAILABLE.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp, onCleanup } from '../../../helpers/app.js';
import { createPostgresSchema } from '../../../helpers/databases.js';
import { assertProblem } from '../../../helpers/problem.js';
import { startTcpProxy } from '../../../helpers/tcp-proxy.js';

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
