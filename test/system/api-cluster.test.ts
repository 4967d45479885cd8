/**
 * QUIRE_API_PROCESSES=2: a real `quire` with the api role on PostgreSQL and Redis runs as a
 * node:cluster primary and two API processes on one port. Both answer requests; GET /metrics,
 * whichever process answers, counts every process's requests; a process killed with SIGKILL is
 * replaced while the other keeps serving; SIGTERM drains them all and exits 0. A configuration that
 * cannot share its state between processes is refused at start.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import type { LogLine } from '../helpers/logs.js';
import { runScript, spawnServer, type SpawnedServer } from '../helpers/process.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';

const CLI = 'src/cli.ts';
/** Three processes compile the app one after the other on a possibly busy machine. */
const START_TIMEOUT_MS = 120_000;

/** `GET path` on a connection of its own, so the cluster can hand it to either process. */
async function get(server: SpawnedServer, path: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    headers: { connection: 'close', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
}

const isRequestFor = (path: string) => (line: LogLine) =>
  line.msg === 'request' && line.path === path;

/** The sum of a counter's samples whose labels include every given one. */
function counterValue(metrics: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) =>
      line.includes(`${key}="${value}"`),
    );
    if (matches) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('QUIRE_API_PROCESSES: one port, several API processes', { timeout: 300_000 }, () => {
  let server: SpawnedServer;
  let env: Record<string, string>;

  before(async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    env = {
      QUIRE_ROLE: 'api',
      QUIRE_API_PROCESSES: '2',
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_DATABASE_URL: schema.url,
      QUIRE_REDIS_URL: TEST_REDIS_URL,
      // This suite's keys in the shared Redis database: nothing to flush, nothing of others touched.
      QUIRE_REDIS_PREFIX: `api-cluster-${randomUUID().slice(0, 8)}`,
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    };
    server = await spawnServer(CLI, env, START_TIMEOUT_MS);
    // The primary starts the second process once the first listens.
    await server.waitForLog(
      (line) => line.msg === 'API process listening' && line.api_process === 2,
      START_TIMEOUT_MS,
    );
  });

  it('both processes answer on the one port', async () => {
    const answering = () =>
      new Set(server.logs.filter(isRequestFor('/v1/documents')).map((line) => line.api_process));
    for (let i = 0; i < 40 && answering().size < 2; i++) {
      const response = await get(server, '/v1/documents?limit=1');
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    // Request lines are written as the answers leave: give the last ones a moment.
    for (let i = 0; i < 40 && answering().size < 2; i++) await sleep(50);
    assert.deepEqual([...answering()].sort(), [1, 2]);
  });

  it('GET /metrics counts the requests of every process, whichever answers', async () => {
    const path = '/livez';
    const before = server.logs.filter(isRequestFor(path)).length;
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      const response = await get(server, path);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    // The request lines are written once the answers are sent: wait for all of them.
    for (
      let i = 0;
      i < 100 && server.logs.filter(isRequestFor(path)).length < before + requests;
      i++
    )
      await sleep(50);
    const lines = server.logs.filter(isRequestFor(path));
    assert.equal(lines.length, before + requests);
    const byProcess = new Set(lines.map((line) => line.api_process));
    assert.equal(byProcess.size, 2, 'both processes answered /livez');
    for (let scrape = 0; scrape < 4; scrape++) {
      const response = await get(server, '/metrics');
      assert.equal(response.status, 200);
      const text = await response.text();
      const counted = counterValue(text, 'http_requests_total', { route: path, status: '200' });
      assert.equal(counted, lines.length, `scrape ${scrape} counts every process's /livez answers`);
      // A gauge both processes read from the one store is reported once, not summed.
      assert.equal(counterValue(text, 'readiness_status', {}) <= 1, true);
    }
  });

  it('a process killed with SIGKILL is replaced while the other serves', async () => {
    const victim = server.logs.find(
      (line) => line.msg === 'quire listening' && line.api_process === 2,
    );
    assert.ok(
      victim !== undefined && typeof victim.pid === 'number',
      'the second process logged its pid',
    );
    process.kill(victim.pid, 'SIGKILL');
    // (A connection handed to the process in the instant it died is lost, as with any server
    // process killed: the requests below start once the primary has seen the death.)
    await server.waitForLog(
      (line) => line.msg === 'an API process exited: starting another' && line.api_process === 2,
    );
    for (let i = 0; i < 5; i++) {
      const response = await get(server, '/livez');
      assert.equal(response.status, 200, 'the other process serves meanwhile');
      await response.arrayBuffer();
    }
    const listening = server.logs.filter(
      (line) => line.msg === 'quire listening' && line.api_process === 2,
    );
    if (listening.length < 2) {
      await server.waitForLog(
        (line) =>
          line.msg === 'quire listening' && line.api_process === 2 && line.pid !== victim.pid,
        START_TIMEOUT_MS,
      );
    }
    const after = await get(server, '/livez');
    assert.equal(after.status, 200);
  });

  it('SIGTERM drains every process and the primary exits 0', async () => {
    const pids = server.logs
      .filter((line) => line.msg === 'quire listening')
      .map((line) => Number(line.pid));
    server.child.kill('SIGTERM');
    const code = await Promise.race([
      server.exited,
      sleep(60_000, 'still running', { ref: false }),
    ]);
    assert.equal(code, 0, server.stderr());
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `API process ${pid} is gone`);
    }
  });

  it('refuses QUIRE_API_PROCESSES > 1 where the processes could not share their state', async () => {
    const embedded = await runScript(CLI, ['start'], { ...env, QUIRE_ROLE: 'all' });
    assert.equal(embedded.code, 1);
    assert.match(embedded.stderr, /QUIRE_API_PROCESSES > 1 needs the api role/);
    const { QUIRE_REDIS_URL: _redis, ...withoutRedis } = env;
    const local = await runScript(CLI, ['serve'], { ...withoutRedis, QUIRE_REDIS_URL: '' });
    assert.equal(local.code, 1);
    assert.match(local.stderr, /QUIRE_API_PROCESSES > 1 needs QUIRE_REDIS_URL/);
  });
});
