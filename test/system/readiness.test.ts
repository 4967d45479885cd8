/**
 * /readyz tells the truth, through real processes: a server whose data directory is swapped for
 * an empty one after the deployment's first start (a mis-mounted volume) answers 503 naming
 * `blob_store`, and 200 again on its own directory; a worker whose Redis stops answers 503 naming
 * `queue` (an API instance stays ready, degraded), and 200 again once Redis is back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { startOwnRedis } from '../helpers/own-servers.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';

const REDIS_PORT = 27210;
const CLI = 'src/cli.ts';
/** Several processes start at once here, each compiling the app: allow a slow machine. */
const START_TIMEOUT_MS = 90_000;

interface Check {
  status: 'ok' | 'fail';
  error?: string;
}
interface Readiness {
  status: string;
  checks: Record<string, Check>;
}

async function get(
  server: SpawnedServer,
  path: string,
): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Readiness };
}

/** Polls `path` until it answers `status` (readiness follows a dependency within a check or two). */
async function until(server: SpawnedServer, path: string, status: number): Promise<Readiness> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await get(server, path);
    if (answer.status === status) return answer.body;
    if (Date.now() > deadline)
      assert.fail(`${path} still ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(100);
  }
}

async function stop(server: SpawnedServer): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/** A database of its own: each deployment's sentinel lives in its own blob store. */
async function newDatabase(): Promise<string> {
  const schema = await createPostgresSchema();
  onCleanup(() => schema.drop());
  return schema.url;
}

describe('readiness names what is wrong', { timeout: 300_000 }, () => {
  it('a blob volume that is not the deployment’s: 503 naming blob_store, 200 back on its own', async () => {
    const databaseUrl = await newDatabase();
    const env = (dataDir: string): Record<string, string> => ({
      QUIRE_DATA_DIR: dataDir,
      QUIRE_DATABASE_URL: databaseUrl,
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    const own = tempDir();
    const first = await spawnServer(CLI, env(own), START_TIMEOUT_MS);
    // Ready once its extraction thread has warmed up (it is not, a moment after it listens).
    const ready = await until(first, '/readyz', 200);
    assert.deepEqual(Object.keys(ready.checks).sort(), [
      'blob_store',
      'database',
      'extraction_warm_up',
      'queue',
    ]);
    await stop(first);

    // The same database, another (empty) directory: as a volume mounted elsewhere would be.
    const misMounted = await spawnServer(CLI, env(tempDir()), START_TIMEOUT_MS);
    const notReady = await get(misMounted, '/readyz');
    assert.equal(notReady.status, 503, JSON.stringify(notReady.body));
    assert.equal(notReady.body.status, 'not_ready');
    assert.equal(notReady.body.checks.blob_store?.status, 'fail');
    assert.equal(notReady.body.checks.database?.status, 'ok');
    assert.equal(
      notReady.body.checks.blob_store?.error,
      undefined,
      'no reason on the public probe',
    );
    const health = await get(misMounted, '/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'unhealthy');
    assert.match(
      health.body.checks.blob_store?.error ?? '',
      /sentinel blob [0-9a-f]{64}.*not the store/,
    );
    await stop(misMounted);

    const back = await spawnServer(CLI, env(own), START_TIMEOUT_MS);
    await until(back, '/readyz', 200);
    await stop(back);
  });

  it('Redis stopped: a worker answers 503 naming the queue, an API instance serves degraded; both recover', async () => {
    const [redis, databaseUrl] = await Promise.all([startOwnRedis(REDIS_PORT), newDatabase()]);
    const env = {
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_DATABASE_URL: databaseUrl,
      QUIRE_REDIS_URL: redis.url,
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
      QUIRE_WORKER_POLL_MS: '50',
    };
    const [worker, api] = await Promise.all([
      spawnServer(CLI, { ...env, QUIRE_ROLE: 'worker' }, START_TIMEOUT_MS),
      spawnServer(CLI, { ...env, QUIRE_ROLE: 'api' }, START_TIMEOUT_MS),
    ]);
    for (const server of [worker, api])
      assert.equal((await until(server, '/readyz', 200)).checks.queue?.status, 'ok');

    await redis.stop();
    const down = await until(worker, '/readyz', 503);
    assert.equal(down.checks.queue?.status, 'fail', JSON.stringify(down));
    assert.equal(down.checks.database?.status, 'ok');
    assert.equal(down.checks.blob_store?.status, 'ok');
    const health = await get(worker, '/health');
    assert.equal(health.body.status, 'unhealthy');
    assert.match(health.body.checks.queue?.error ?? '', /Redis/);
    // The API instance keeps serving (job rows wait in the database): degraded, still ready.
    const apiHealth = await get(api, '/health');
    assert.equal(apiHealth.status, 200);
    assert.equal(apiHealth.body.status, 'degraded');
    assert.equal(apiHealth.body.checks.queue?.status, 'fail');
    assert.equal((await get(api, '/readyz')).status, 200);

    await redis.start();
    assert.equal((await until(worker, '/readyz', 200)).checks.queue?.status, 'ok');
    await Promise.all([stop(worker), stop(api)]);
  });
});
