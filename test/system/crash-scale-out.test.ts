/**
 * kill -9 in the scale-out configuration (PostgreSQL and Redis that this test starts on its own
 * ports): mid-upload nothing half-made is visible after a restart; mid-job the BullMQ job is taken
 * over once its lease runs out and completes exactly once, with one set of passages and the
 * right document count. (The embedded configuration has the same tests in extraction-crash.)
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { startOwnPostgres, startOwnRedis, type OwnServer } from '../helpers/own-servers.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';

const PG_PORT = 47520;
const REDIS_PORT = 47521;
const FAULT_SERVER = 'test/fixtures/fault-server.ts';
const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

interface Job {
  id: string;
  status: string;
  attempts: number;
  progress: { done: number };
}

async function api<T>(server: SpawnedServer, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.ok(response.status < 300, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function waitForJob(
  server: SpawnedServer,
  jobId: string,
  until: (job: Job) => boolean,
): Promise<Job> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const job = await api<Job>(server, `/v1/jobs/${jobId}`);
    if (until(job)) return job;
    if (Date.now() > deadline) assert.fail(`job ${jobId} stuck at ${JSON.stringify(job)}`);
    await sleep(50);
  }
}

function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `word${i}${i % 12 === 11 ? '.' : ''}`).join(' ');
}

describe('kill -9 in scale-out (own PostgreSQL and Redis)', { timeout: 120_000 }, () => {
  let postgres: OwnServer;
  let redisUrl: string;
  const dataDir = tempDir();
  const start = (): Promise<SpawnedServer> =>
    spawnServer(FAULT_SERVER, {
      QUIRE_DATA_DIR: dataDir,
      QUIRE_DATABASE_URL: postgres.url,
      QUIRE_REDIS_URL: redisUrl,
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_JOB_LEASE_MS: '1500',
      QUIRE_WORKER_POLL_MS: '50',
      QUIRE_EXTRACTION_WORKERS: '1',
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    });
  before(async () => {
    let redis: OwnServer;
    [postgres, redis] = await Promise.all([startOwnPostgres(PG_PORT), startOwnRedis(REDIS_PORT)]);
    redisUrl = redis.url;
  });

  it('mid-upload: after a restart no document exists, and the next upload is counted once', async () => {
    const first = await start();
    const { hostname, port } = new URL(first.url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
        `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n` +
        '--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n' +
        'Content-Type: text/plain\r\n\r\n',
    );
    for (let i = 0; i < 16; i++) socket.write(Buffer.alloc(64 * 1024, 0x61)); // 1 MiB of 8
    await sleep(300);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    socket.destroy();

    const second = await start();
    const empty = await api<{ data: unknown[] }>(second, '/v1/documents');
    assert.deepEqual(empty.data, [], 'nothing half-made is listed');
    await api(second, '/v1/documents', { text: 'after the crash' });
    const listed = await api<{ data: unknown[] }>(second, '/v1/documents');
    assert.equal(listed.data.length, 1);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('mid-job: the job is taken over after its lease and completes exactly once', async () => {
    const first = await start();
    const created = await api<{ document: { id: string }; job: Job }>(first, '/v1/documents', {
      text: `QUIRE-FAULT:slow 4000 20\n${words(1000)}`,
    });
    await waitForJob(
      first,
      created.job.id,
      (job) => job.status === 'running' && job.progress.done > 0,
    );
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = await start();
    const done = await waitForJob(second, created.job.id, (job) => job.status === 'succeeded');
    assert.equal(done.attempts, 2, 'taken over after the lease ran out: a second attempt');
    const document = await api<{ status: string }>(second, `/v1/documents/${created.document.id}`);
    assert.equal(document.status, 'ready');
    const listed = await api<{ data: unknown[] }>(second, '/v1/documents');
    assert.equal(listed.data.length, 2, 'the document from the first test, and this one');

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const passages = await client.query<{ ordinal: number }>(
        'select ordinal from passages where document_id = $1 order by ordinal',
        [created.document.id],
      );
      assert.ok(passages.rows.length >= 5, `passages: ${passages.rows.length}`);
      assert.deepEqual(
        passages.rows.map((row) => row.ordinal),
        passages.rows.map((_, i) => i),
        'one set: ordinals 0..n-1, each once',
      );
      const jobs = await client.query<{ count: string }>(
        "select count(*) from jobs where document_id = $1 and status = 'succeeded'",
        [created.document.id],
      );
      assert.equal(jobs.rows[0]?.count, '1');
    } finally {
      await client.end();
    }
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
