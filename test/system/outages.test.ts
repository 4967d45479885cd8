/**
 * The real process in scale-out mode against a PostgreSQL and a Redis this test starts on its own
 * ports, then stops and starts again: during each outage the answers are the documented ones
 * (docs/operations.md, "During an outage"), /livez stays 200, /readyz and /health tell the truth,
 * and once the server is back Quire recovers without a restart.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_ADMIN_KEY } from '../helpers/app.js';
import { startOwnPostgres, startOwnRedis, type OwnServer } from '../helpers/own-servers.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';

const PG_PORT = 27510;
const REDIS_PORT = 27511;
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface Answer {
  status: number;
  type: string;
  body: Record<string, unknown>;
  retryAfter: string | null;
}

async function call(
  server: SpawnedServer,
  path: string,
  init: { method?: string; body?: unknown; auth?: boolean } = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.auth === false ? {} : admin),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Polls `path` until it answers `status` (the bound makes a stuck recovery fail, not hang). */
async function until(server: SpawnedServer, path: string, status: number): Promise<Answer> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await call(server, path);
    if (answer.status === status) return answer;
    if (Date.now() > deadline)
      assert.fail(`${path} still ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(100);
  }
}

function assertDependencyProblem(answer: Answer, what: string): void {
  assert.equal(answer.status, 503, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.match(answer.type, /^application\/problem\+json/, what);
  assert.equal(answer.body.code, 'DEPENDENCY_UNAVAILABLE', what);
  assert.ok(answer.retryAfter !== null, `${what}: Retry-After`);
  assert.match(String(answer.body.request_id), /^[0-9a-f-]{36}$/, what);
  assert.doesNotMatch(JSON.stringify(answer.body), /ECONNREFUSED|FST_|stack/);
}

describe(
  'outages of PostgreSQL and Redis (own servers, spawned Quire)',
  { timeout: 120_000 },
  () => {
    let postgres: OwnServer;
    let redis: OwnServer;
    let server: SpawnedServer;
    before(async () => {
      [postgres, redis] = await Promise.all([startOwnPostgres(PG_PORT), startOwnRedis(REDIS_PORT)]);
      server = await spawnServer('src/cli.ts', {
        QUIRE_DATABASE_URL: postgres.url,
        QUIRE_REDIS_URL: redis.url,
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_AUTH_CACHE_TTL_MS: '200',
        QUIRE_READY_CHECK_TIMEOUT_MS: '1000',
      });
      // Healthy once its extraction thread has warmed up, a moment after it listens.
      await until(server, '/readyz', 200);
    });

    it('PostgreSQL down: API 503 DEPENDENCY_UNAVAILABLE, /health 503, /readyz 503, /livez 200; back: recovers', async () => {
      const created = await call(server, '/v1/documents', {
        method: 'POST',
        body: { text: 'kept' },
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      assert.equal((await call(server, '/health')).status, 200);

      await postgres.stop();
      await sleep(400); // past the key cache: every request needs the database again
      assertDependencyProblem(await call(server, '/v1/documents'), 'GET /v1/documents');
      assertDependencyProblem(
        await call(server, '/v1/documents', { method: 'POST', body: { text: 'lost?' } }),
        'POST /v1/documents',
      );
      const health = await call(server, '/health');
      // The admin key cannot be checked without the database: a problem, not a 500.
      assertDependencyProblem(health, 'GET /health');
      const ready = await call(server, '/readyz', { auth: false });
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'not_ready');
      assert.equal((await call(server, '/livez', { auth: false })).status, 200);

      await postgres.start();
      await until(server, '/readyz', 200);
      const healthy = await until(server, '/health', 200);
      assert.equal(healthy.body.status, 'ok');
      const list = await call(server, '/v1/documents');
      assert.equal(list.status, 200);
      assert.equal((list.body.data as unknown[]).length, 1, 'the document from before, only');
    });

    it('Redis down: the API serves (Redis is not critical), /health degraded, /readyz 200; back: ok', async () => {
      await redis.stop();
      const health = await until(server, '/health', 200);
      assert.equal(health.body.status, 'degraded');
      const checks = health.body.checks as Record<string, { status: string }>;
      assert.equal(checks.redis?.status, 'fail');
      assert.equal((await call(server, '/readyz', { auth: false })).status, 200);
      const list = await call(server, '/v1/documents');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const created = await call(server, '/v1/documents', {
        method: 'POST',
        body: { text: 'written while Redis is away' },
      });
      // Job records live in SQL: the job waits there until BullMQ can hand it out again.
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const jobId = (created.body.job as { id: string }).id;

      await redis.start();
      const back = await until(server, '/health', 200);
      for (let i = 0; back.body.status !== 'ok' && i < 100; i++) {
        await sleep(100);
        back.body = (await call(server, '/health')).body;
      }
      assert.equal(back.body.status, 'ok');
      const after = await call(server, '/v1/documents', {
        method: 'POST',
        body: { text: 'written after Redis came back' },
      });
      assert.equal(after.status, 202, JSON.stringify(after.body));
      const deadline = Date.now() + 20_000;
      let job = await call(server, `/v1/jobs/${jobId}`);
      while (job.body.status !== 'succeeded' && Date.now() < deadline) {
        await sleep(100);
        job = await call(server, `/v1/jobs/${jobId}`);
      }
      assert.equal(job.body.status, 'succeeded', 'the job queued during the outage ran');
      assert.equal(job.body.attempts, 1);
    });
  },
);
