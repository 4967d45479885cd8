/**
 * Every job attempt logs its start and end with the fields an operator follows a document by,
 * read from a real worker process's stdout: on the embedded SQL queue (one process) and on
 * BullMQ (an API process and a worker process sharing PostgreSQL and Redis). The job record names
 * the worker that ran each attempt, the same id the worker logs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { createPostgresSchema } from '../helpers/databases.js';
import { api, waitForJob } from '../helpers/job-processes.js';
import { multipart } from '../helpers/multipart.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';
import type { LogLine } from '../helpers/logs.js';
import { TEST_REDIS_URL, testRedis } from '../helpers/redis.js';

const CLI = 'src/cli.ts';
const START_TIMEOUT_MS = 90_000;

interface Created {
  document: { id: string };
  job: { id: string };
}

interface JobView {
  id: string;
  status: string;
  attempts: number;
  workers: string[];
  error?: { code: string; message: string };
}

async function upload(server: SpawnedServer, filename: string, bytes: Buffer): Promise<Created> {
  const form = multipart([{ name: 'file', value: bytes, filename }]);
  const response = await fetch(`${server.url}/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...form.headers },
    body: form.payload,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(response.status, 202, await response.clone().text());
  return (await response.json()) as Created;
}

/** Removes this test's keys from the shared Redis (database 9), and nothing else. */
async function dropRedisKeys(pattern: string): Promise<void> {
  const redis = testRedis();
  try {
    await redis.select(9);
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

const attemptLine = (jobId: string, event: string) => (line: LogLine) =>
  line.job_id === jobId && line.event === event;

/** The fields every attempt line carries (docs/operations.md, "Job logs"). */
function assertAttemptFields(line: LogLine, job: JobView, documentId: string): void {
  assert.equal(line.job_id, job.id);
  assert.equal(line.type, 'extract');
  assert.equal(line.document_id, documentId);
  assert.equal(line.tenant_id, 'default');
  assert.equal(line.attempt, 1);
  assert.equal(line.worker_id, job.workers[0], 'the worker the job record names');
  assert.equal(typeof line.request_id, 'string');
}

/** Uploads one good and one corrupt document to `api` and checks `worker`'s log lines. */
async function assertJobLogs(api_: SpawnedServer, worker: SpawnedServer): Promise<void> {
  const good = await upload(api_, 'notes.txt', Buffer.from('Plain words for the job log test.'));
  const done = await waitForJob(api_, good.job.id, (job) => job.status === 'succeeded');
  const job = await api<JobView>(api_, `/v1/jobs/${done.id}`);
  assert.equal(job.workers.length, 1, JSON.stringify(job));
  assert.match(job.workers[0] ?? '', /^[^:]+:\d+:[0-9a-f]{8}$/, 'host:pid:suffix');

  const started = await worker.waitForLog(attemptLine(job.id, 'job.attempt.started'));
  assertAttemptFields(started, job, good.document.id);
  assert.equal(started.level, 'info');
  assert.equal(typeof started.queue_wait_ms, 'number');
  const finished = await worker.waitForLog(attemptLine(job.id, 'job.attempt.finished'));
  assertAttemptFields(finished, job, good.document.id);
  assert.equal(finished.level, 'info');
  assert.equal(finished.outcome, 'succeeded');
  assert.equal(typeof finished.duration_ms, 'number');
  assert.equal(finished.error_code, undefined);

  // Bad input fails at once: the end line carries the failure's code and message, no stack.
  const corrupt = await upload(api_, 'broken.pdf', Buffer.from('%PDF-1.7\nnot really a pdf\n'));
  const failedJob = await waitForJob(api_, corrupt.job.id, (j) => j.status === 'failed');
  const failed = await api<JobView>(api_, `/v1/jobs/${failedJob.id}`);
  const end = await worker.waitForLog(attemptLine(failed.id, 'job.attempt.finished'));
  assertAttemptFields(end, failed, corrupt.document.id);
  assert.equal(end.level, 'warn');
  assert.equal(end.outcome, 'failed');
  assert.equal(end.error_code, failed.error?.code);
  assert.equal(end.error_message, failed.error?.message);
  assert.equal(end.err, undefined, 'an expected failure is logged without a stack');
}

describe('job attempt logs, from real processes', { timeout: 300_000 }, () => {
  it('embedded (SQL queue): one process logs the start and end of each attempt', async () => {
    const server = await spawnServer(
      CLI,
      {
        QUIRE_DATA_DIR: tempDir(),
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
        QUIRE_WORKER_POLL_MS: '50',
      },
      START_TIMEOUT_MS,
    );
    await assertJobLogs(server, server);
  });

  it('scale-out (BullMQ): the worker process logs the attempts of jobs the API enqueued', async () => {
    const schema = await createPostgresSchema();
    onCleanup(() => schema.drop());
    const prefix = `joblogs${randomUUID().slice(0, 8)}`;
    onCleanup(() => dropRedisKeys(`${prefix}:*`));
    const env = {
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_DATABASE_URL: schema.url,
      // A prefix of its own on the shared Redis: no other test's queue is touched.
      QUIRE_REDIS_URL: `${TEST_REDIS_URL}/9`,
      QUIRE_REDIS_PREFIX: prefix,
      QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
      QUIRE_WORKER_POLL_MS: '50',
    };
    const apiServer = await spawnServer(CLI, { ...env, QUIRE_ROLE: 'api' }, START_TIMEOUT_MS);
    const worker = await spawnServer(CLI, { ...env, QUIRE_ROLE: 'worker' }, START_TIMEOUT_MS);
    await assertJobLogs(apiServer, worker);
    assert.equal(
      apiServer.logs.filter((line) => line.event === 'job.attempt.started').length,
      0,
      'an API process runs no jobs',
    );
  });
});
