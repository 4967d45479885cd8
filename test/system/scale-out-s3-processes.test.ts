/**
 * The deployment issue 14 describes, as real processes: two API and two worker processes, each with
 * its own empty data directory (nothing shared on disk), on PostgreSQL, a Redis this test starts and
 * s3rver. A document uploaded on API A is extracted by a worker reading the bucket and downloads
 * byte-identical from API B, whole and by Range; the worker holding a slow job is killed with
 * SIGKILL and the other one finishes it within the takeover bound, once; and a worker pointed at
 * another place in the bucket (a wrong prefix: the "wrong volume" of S3) is not ready, naming the
 * blob store, while the right ones are.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import { onCleanup, TEST_ADMIN_KEY } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import {
  api,
  killHolderUntilTakenOver,
  waitForJob,
  words,
  type Job,
} from '../helpers/job-processes.js';
import { startOwnRedis } from '../helpers/own-servers.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const S3_PORT = 27105;
const REDIS_PORT = 27540;
const FAULT_SERVER = 'test/fixtures/fault-server.ts';
const PREFIX = 'deployment/';
/** The default lease (8 s) plus the sweep, a poll and room for a loaded CI machine; target 10 s. */
const TAKEOVER_BOUND_MS = 12_000;

describe(
  'scale-out on S3 as processes: 2 API + 2 workers, no shared data directory',
  { timeout: 420_000 },
  () => {
    let s3: S3TestServer;
    let env: Record<string, string>;
    let database: string;
    const apis: SpawnedServer[] = [];
    const workers: SpawnedServer[] = [];

    before(async () => {
      const schema = await createPostgresSchema();
      onCleanup(() => schema.drop());
      database = schema.url;
      const redis = await startOwnRedis(REDIS_PORT);
      s3 = await startS3Server(S3_PORT);
      env = {
        ...s3.env(PREFIX),
        QUIRE_DATABASE_URL: database,
        QUIRE_REDIS_URL: redis.url,
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_EXTRACTION_WORKERS: '1',
        QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
        // QUIRE_DATA_DIR is left to spawnServer: a new empty directory for each process.
      };
      // One at a time: several TypeScript start-ups at once on 2 cores are slow.
      for (let i = 0; i < 2; i++)
        apis.push(await spawnServer(FAULT_SERVER, { ...env, QUIRE_ROLE: 'api' }, 90_000));
      for (let i = 0; i < 2; i++)
        workers.push(await spawnServer(FAULT_SERVER, { ...env, QUIRE_ROLE: 'worker' }, 90_000));
    });

    it('a document uploaded on A is extracted from the bucket and downloads from B, whole and by Range', async () => {
      const [a, b] = apis as [SpawnedServer, SpawnedServer];
      const text = `Harbour inspection log.\n${words(400)}`;
      const body = new FormData();
      body.append('file', new Blob([text], { type: 'text/plain' }), 'log.txt');
      const response = await fetch(`${a.url}/v1/documents?dedupe=false`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      assert.equal(response.status, 202, await response.clone().text());
      const created = (await response.json()) as {
        document: { id: string; sha256: string };
        job: Job;
      };
      await waitForJob(b, created.job.id, (job) => job.status === 'succeeded');

      const download = (range?: string): Promise<Response> =>
        fetch(`${b.url}/v1/documents/${created.document.id}/file`, {
          headers: {
            authorization: `Bearer ${TEST_ADMIN_KEY}`,
            ...(range === undefined ? {} : { range }),
          },
          signal: AbortSignal.timeout(20_000),
        });
      const whole = await download();
      assert.equal(whole.status, 200);
      assert.equal(await whole.text(), text);
      const part = await download('bytes=100-1099');
      assert.equal(part.status, 206);
      assert.equal(await part.text(), Buffer.from(text).subarray(100, 1100).toString());

      const { sha256 } = created.document;
      const keys = await s3.keys(`${PREFIX}blobs/`);
      assert.ok(
        keys.includes(`${PREFIX}blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`),
        `the blob is in the bucket: ${keys.join(', ')}`,
      );
    });

    it('SIGKILL of the worker holding a job: the other finishes it within the takeover bound, once', async (t) => {
      const [a, b] = apis as [SpawnedServer, SpawnedServer];
      const created = await api<{ document: { id: string }; job: Job }>(a, '/v1/documents', {
        text: `QUIRE-FAULT:slow 3000 20\n${words(1000)}`,
      });
      await waitForJob(
        a,
        created.job.id,
        (job) => job.status === 'running' && job.progress.done > 0,
      );
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        const takeoverMs = await killHolderUntilTakenOver(
          client,
          created.job.id,
          workers,
          3 * TAKEOVER_BOUND_MS,
        );
        t.diagnostic(`taken over ${Math.round(takeoverMs)} ms after the kill`);
        assert.ok(takeoverMs <= TAKEOVER_BOUND_MS, `taken over after ${Math.round(takeoverMs)} ms`);
        const done = await waitForJob(b, created.job.id, (job) => job.status === 'succeeded');
        assert.equal(done.attempts, 2);
        const succeeded = await client.query<{ count: string }>(
          "select count(*) from jobs where document_id = $1 and status = 'succeeded'",
          [created.document.id],
        );
        assert.equal(succeeded.rows[0]?.count, '1', 'one result');
        const passages = await client.query<{ ordinal: number }>(
          'select ordinal from passages where document_id = $1 order by ordinal',
          [created.document.id],
        );
        assert.deepEqual(
          passages.rows.map((r) => r.ordinal),
          passages.rows.map((_, i) => i),
          'one set of passages',
        );
      } finally {
        await client.end();
      }
    });

    it('a worker pointed at another place in the bucket is not ready and names the blob store', async () => {
      const misplaced = await spawnServer(
        FAULT_SERVER,
        { ...env, QUIRE_S3_PREFIX: 'elsewhere/', QUIRE_ROLE: 'worker' },
        90_000,
      );
      const ready = async (server: SpawnedServer): Promise<{ status: number; body: string }> => {
        const response = await fetch(`${server.url}/readyz`, {
          signal: AbortSignal.timeout(10_000),
        });
        return { status: response.status, body: await response.text() };
      };
      const wrong = await ready(misplaced);
      assert.equal(wrong.status, 503, wrong.body);
      assert.match(wrong.body, /blob_store/);
      for (const server of [
        ...apis,
        ...workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null),
      ]) {
        const right = await ready(server);
        assert.equal(right.status, 200, right.body);
      }
      misplaced.child.kill('SIGTERM');
      assert.equal(await misplaced.exited, 0);
    });
  },
);
