/**
 * Two deployments on one Redis database, told apart only by QUIRE_REDIS_PREFIX (each has its
 * own PostgreSQL schema): real server processes, each sees only its own rate-limit counters,
 * idempotency keys, revocation notices and jobs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';
import { TEST_REDIS_URL, testRedis } from '../helpers/redis.js';

/** This suite's own Redis database. */
const REDIS_DB = 12;
const CLI = 'src/cli.ts';
/** Several processes start at once here, each compiling the app: allow a slow machine. */
const START_TIMEOUT_MS = 90_000;
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

interface Deployment {
  prefix: string;
  env: Record<string, string>;
}

/** A request as the admin (JSON in and out); `anonymous` sends no credentials. */
async function call(
  server: SpawnedServer,
  path: string,
  init: {
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
    anonymous?: boolean;
  } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const json: Record<string, string> =
    init.body === undefined ? {} : { 'content-type': 'application/json' };
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.anonymous === true ? {} : admin), ...json, ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '');
  return {
    status: response.status,
    body: isJson && text !== '' ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** Every key of the database matching `pattern`. */
async function scanAll(redis: Redis, pattern = '*'): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function jobStatus(server: SpawnedServer, id: string): Promise<string> {
  const { status, body } = await call(server, `/v1/jobs/${id}`);
  assert.equal(status, 200, JSON.stringify(body));
  return String(body.status);
}

async function waitForStatus(server: SpawnedServer, id: string, wanted: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await jobStatus(server, id)) !== wanted) {
    if (Date.now() > deadline) assert.fail(`job ${id} never became ${wanted}`);
    await sleep(50);
  }
}

async function submit(server: SpawnedServer, text: string): Promise<string> {
  const created = await call(server, '/v1/documents?dedupe=false', { body: { text } });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  return (created.body.job as { id: string }).id;
}

describe('two deployments on one Redis, apart by prefix', { timeout: 300_000 }, () => {
  let a: SpawnedServer;
  let b: SpawnedServer;
  let deploymentB: Deployment;
  let redis: Redis;

  const deployment = async (prefix: string): Promise<Deployment> => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    return {
      prefix,
      env: {
        QUIRE_DATA_DIR: tempDir(),
        QUIRE_DATABASE_URL: schema.url,
        QUIRE_REDIS_URL: `${TEST_REDIS_URL}/${REDIS_DB}`,
        QUIRE_REDIS_PREFIX: prefix,
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_RATE_LIMIT_META: '3',
        QUIRE_WORKER_POLL_MS: '50',
        QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
      },
    };
  };

  before(async () => {
    redis = testRedis();
    onCleanup(() => redis.disconnect());
    await redis.select(REDIS_DB);
    await redis.flushdb();
    const deploymentA = await deployment('dep-a');
    deploymentB = await deployment('dep-b');
    // A runs API and workers in one process; B starts with an API only (its worker comes later).
    [a, b] = await Promise.all([
      spawnServer(CLI, { ...deploymentA.env, QUIRE_ROLE: 'all' }, START_TIMEOUT_MS),
      spawnServer(CLI, { ...deploymentB.env, QUIRE_ROLE: 'api' }, START_TIMEOUT_MS),
    ]);
  });

  it('rate limits: the limit reached on A leaves B’s counter untouched', async () => {
    // Anonymous /metrics is limited per client address: the same caller on both deployments.
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call(a, '/metrics', { anonymous: true })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await call(b, '/metrics', { anonymous: true })).status, 200);
  });

  it('idempotency: one Idempotency-Key on A and on B makes two independent documents', async () => {
    const headers = { 'idempotency-key': 'same-key-on-both' };
    const onA = await call(a, '/v1/documents?dedupe=false', { body: { text: 'on A' }, headers });
    const onB = await call(b, '/v1/documents?dedupe=false', { body: { text: 'on B' }, headers });
    assert.equal(onA.status, 202, JSON.stringify(onA.body));
    assert.equal(onB.status, 202, JSON.stringify(onB.body));
    const replayedOnA = await call(a, '/v1/documents?dedupe=false', {
      body: { text: 'on A' },
      headers,
    });
    assert.deepEqual(replayedOnA.body, onA.body, 'A still replays its own');
  });

  it('revocations: a key revoked on A is announced on A’s channel only', async () => {
    const listener = testRedis();
    onCleanup(() => listener.disconnect());
    const notices: [string, string][] = [];
    listener.on('message', (channel: string, message: string) => notices.push([channel, message]));
    await listener.subscribe('dep-a:api-keys:revoked', 'dep-b:api-keys:revoked');
    const created = await call(a, '/v1/admin/api-keys', {
      body: { name: 'to revoke', scopes: ['documents:read'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    assert.equal((await call(a, `/v1/admin/api-keys/${id}`, { method: 'DELETE' })).status, 204);
    await sleep(500);
    assert.deepEqual(notices, [['dep-a:api-keys:revoked', id]]);
  });

  it('jobs: A’s worker never takes B’s job; B’s own worker runs it', async () => {
    const jobOfB = await submit(b, 'a job of deployment B');
    const jobOfA = await submit(a, 'a job of deployment A');
    await waitForStatus(a, jobOfA, 'succeeded');
    // A's worker has been polling all along; B's job is still waiting in B's queue.
    await sleep(1_000);
    assert.equal(await jobStatus(b, jobOfB), 'queued');
    // Its BullMQ job is still there, in B's namespace: no worker of A took it (one that had would
    // have found no row in A's database and dropped it).
    const keysOfJob = await scanAll(redis, `*:${jobOfB}`);
    assert.equal(keysOfJob.length, 1, `B's BullMQ job is still in Redis: ${keysOfJob.join(' ')}`);
    assert.match(keysOfJob[0] ?? '', /^dep-b:bull:/);

    const workerOfB = await spawnServer(
      CLI,
      { ...deploymentB.env, QUIRE_ROLE: 'worker' },
      START_TIMEOUT_MS,
    );
    await waitForStatus(b, jobOfB, 'succeeded');
    workerOfB.child.kill('SIGTERM');
    await workerOfB.exited;

    const outside = (await scanAll(redis)).filter((key) => !/^dep-[ab]:/.test(key));
    assert.deepEqual(outside, [], 'every key belongs to one of the two deployments');
  });
});
