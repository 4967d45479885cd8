/** Tiered rate limits through HTTP, in memory and on Redis, including Redis failing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp, createApiKey, onCleanup } from '../../helpers/app.js';
import { createPostgresSchema } from '../../helpers/databases.js';
import { assertProblem } from '../../helpers/problem.js';
import { TEST_REDIS_URL, testRedis } from '../../helpers/redis.js';

const KEYS_URL = '/v1/admin/api-keys';

const newKey = createApiKey;

/** A Redis database number of its own, flushed, so budgets never leak between test runs. */
async function freshRedisUrl(): Promise<string> {
  const db = 1 + Math.floor(Math.random() * 14);
  const client = testRedis();
  await client.select(db);
  await client.flushdb();
  client.disconnect();
  return `${TEST_REDIS_URL}/${db}`;
}

describe('rate limits (embedded)', () => {
  it('limits per key and route class, with RateLimit headers and a 429 with Retry-After', async () => {
    const t = await buildTestApp({ QUIRE_RATE_LIMIT_ADMIN: '5' });
    const { key } = await newKey(t, { name: 'limited', scopes: ['admin'] }); // admin key's 1st admin hit
    const headers = { authorization: `Bearer ${key}` };
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({ method: 'GET', url: KEYS_URL, headers });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['ratelimit-limit'], '5');
      assert.ok(
        Number(response.headers['ratelimit-reset']) > 0 &&
          Number(response.headers['ratelimit-reset']) <= 60,
      );
      remaining.push(String(response.headers['ratelimit-remaining']));
    }
    assert.deepEqual(remaining, ['4', '3', '2', '1', '0']);
    const limited = await t.app.inject({ method: 'GET', url: KEYS_URL, headers });
    assertProblem(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(limited.headers['ratelimit-remaining'], '0');

    // The bootstrap admin key has its own budget (it used 1 creating the key above).
    assert.equal(
      (await t.app.inject({ method: 'GET', url: KEYS_URL, headers: t.admin })).statusCode,
      200,
    );
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rate_limit_rejections_total\{tier="admin"\} 1/);
  });

  it('limits unauthenticated callers per client IP', async () => {
    const t = await buildTestApp({ QUIRE_RATE_LIMIT_META: '2' });
    const from = (remoteAddress: string) =>
      t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress });
    assert.equal((await from('203.0.113.1')).statusCode, 200);
    assert.equal((await from('203.0.113.1')).statusCode, 200);
    assertProblem(await from('203.0.113.1'), 429, 'RATE_LIMITED');
    assert.equal((await from('203.0.113.2')).statusCode, 200);
  });

  it('never limits the probes', async () => {
    const t = await buildTestApp({ QUIRE_RATE_LIMIT_META: '1' });
    for (let i = 0; i < 5; i++) {
      const live = await t.app.inject({ method: 'GET', url: '/livez' });
      assert.equal(live.statusCode, 200);
      assert.equal(live.headers['ratelimit-limit'], undefined);
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    }
  });

  it('multiplies limits for elevated keys and drops them for unlimited ones', async () => {
    const t = await buildTestApp({
      QUIRE_RATE_LIMIT_ADMIN: '2',
      QUIRE_RATE_LIMIT_ELEVATED_FACTOR: '3',
    });
    // Keys are made with the CLI-equivalent path: the admin's own budget is 2, so make them first.
    const elevated = await newKey(t, {
      name: 'elevated',
      scopes: ['admin'],
      rate_tier: 'elevated',
    });
    const unlimited = await newKey(t, {
      name: 'unlimited',
      scopes: ['admin'],
      rate_tier: 'unlimited',
    });
    const e = await t.app.inject({
      method: 'GET',
      url: KEYS_URL,
      headers: { 'x-api-key': elevated.key },
    });
    assert.equal(e.headers['ratelimit-limit'], '6');
    for (let i = 0; i < 10; i++) {
      const u = await t.app.inject({
        method: 'GET',
        url: KEYS_URL,
        headers: { 'x-api-key': unlimited.key },
      });
      assert.equal(u.statusCode, 200);
      assert.equal(u.headers['ratelimit-limit'], undefined);
    }
  });
});

describe('rate limits on Redis', () => {
  it('share one budget between two instances', async () => {
    const redisUrl = await freshRedisUrl();
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const env = {
      QUIRE_REDIS_URL: redisUrl,
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_RATE_LIMIT_ADMIN: '4',
    };
    const a = await buildTestApp(env);
    const b = await buildTestApp(env);
    const statuses: number[] = [];
    for (const app of [a, b, a, b, a]) {
      statuses.push(
        (await app.app.inject({ method: 'GET', url: KEYS_URL, headers: a.admin })).statusCode,
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
  });

  it('revocation on one instance is refused on another within 1 s', async () => {
    const redisUrl = await freshRedisUrl();
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const env = {
      QUIRE_REDIS_URL: redisUrl,
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_AUTH_CACHE_TTL_MS: '600000',
    };
    const a = await buildTestApp(env);
    const b = await buildTestApp(env);
    await sleep(200); // both subscribers connected
    const { id, key } = await newKey(a, { name: 'shared', scopes: ['admin'] });
    const onB = () => b.app.inject({ method: 'GET', url: KEYS_URL, headers: { 'x-api-key': key } });
    assert.equal((await onB()).statusCode, 200); // cached on B for 10 minutes
    const revokedAt = Date.now();
    assert.equal(
      (await a.app.inject({ method: 'DELETE', url: `${KEYS_URL}/${id}`, headers: a.admin }))
        .statusCode,
      204,
    );
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 1000) {
      status = (await onB()).statusCode;
      if (status === 200) await sleep(20);
    }
    assert.equal(status, 401, 'B refuses the revoked key within 1 s');
  });

  it('fail open when Redis is unreachable: requests pass, the failure is counted, /health is degraded', async () => {
    const t = await buildTestApp({
      QUIRE_REDIS_URL: 'redis://127.0.0.1:1',
      QUIRE_REDIS_COMMAND_TIMEOUT_MS: '200',
    });
    const response = await t.app.inject({ method: 'GET', url: KEYS_URL, headers: t.admin });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['ratelimit-limit'], undefined, 'no limit could be applied');
    const health = await t.app.inject({ method: 'GET', url: '/health', headers: t.admin });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'degraded');
    assert.equal(health.json().checks.redis.status, 'fail');
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode,
      200,
      'still ready',
    );
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /rate_limit_store_errors_total [1-9]/);
  });

  it('fail closed answers 503 DEPENDENCY_UNAVAILABLE when configured so', async () => {
    const t = await buildTestApp({
      QUIRE_REDIS_URL: 'redis://127.0.0.1:1',
      QUIRE_REDIS_COMMAND_TIMEOUT_MS: '200',
      QUIRE_RATE_LIMIT_ON_STORE_FAILURE: 'closed',
    });
    const response = await t.app.inject({ method: 'GET', url: KEYS_URL, headers: t.admin });
    assertProblem(response, 503, 'DEPENDENCY_UNAVAILABLE');
    assert.ok(Number(response.headers['retry-after']) >= 1);
  });
});
